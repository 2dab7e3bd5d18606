package io.pyhygiene.operator.evidence;

import io.pyhygiene.workload.Observations.Termination;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Container terminations observed for each Deployment, kept for a bounded window and bounded in
 * number, each counted once however often its pod is seen again.
 */
public final class EvidenceStore {

  /** Most terminations kept per Deployment (the oldest go first). */
  static final int MAX_PER_WORKLOAD = 50;

  private record Entry(String key, Termination termination, Instant seenAt) {}

  private final Clock clock;
  private final Duration window;
  private final Map<String, List<Entry>> byWorkload = new ConcurrentHashMap<>();

  public EvidenceStore(Clock clock, Duration window) {
    this.clock = clock;
    this.window = window;
  }

  /**
   * Records a termination; returns whether it is new. {@code onNew} runs once per new one (for
   * counters).
   */
  public boolean record(
      String workloadKey, PodTerminations.Observed observed, Consumer<Termination> onNew) {
    Termination t = observed.termination();
    if (!t.sigkilledAtShutdown() && !t.oomKilled()) {
      return false; // only evidence that a rule reads is kept
    }
    Instant now = clock.instant();
    Instant when = t.finishedAt() == null ? now : t.finishedAt();
    if (when.isBefore(now.minus(window))) {
      return false;
    }
    boolean[] added = {false};
    byWorkload.compute(
        workloadKey,
        (k, list) -> {
          List<Entry> l = list == null ? new ArrayList<>() : new ArrayList<>(list);
          if (l.stream().noneMatch(e -> e.key().equals(observed.key()))) {
            l.add(new Entry(observed.key(), t, when));
            l.sort(Comparator.comparing(Entry::seenAt));
            while (l.size() > MAX_PER_WORKLOAD) {
              l.remove(0);
            }
            added[0] = true;
          }
          return l;
        });
    if (added[0]) {
      onNew.accept(t);
    }
    return added[0];
  }

  /** The terminations of a workload still inside the window. */
  public List<Termination> terminations(String workloadKey) {
    Instant cutoff = clock.instant().minus(window);
    List<Entry> l = byWorkload.get(workloadKey);
    if (l == null) {
      return List.of();
    }
    return l.stream().filter(e -> !e.seenAt().isBefore(cutoff)).map(Entry::termination).toList();
  }

  /** Drops what left the window. */
  public void expire() {
    Instant cutoff = clock.instant().minus(window);
    byWorkload.replaceAll((k, l) -> l.stream().filter(e -> !e.seenAt().isBefore(cutoff)).toList());
    byWorkload.entrySet().removeIf(e -> e.getValue().isEmpty());
  }

  public void forget(String workloadKey) {
    byWorkload.remove(workloadKey);
  }
}
