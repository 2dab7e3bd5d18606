package io.pyhygiene.operator.remediation;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.pyhygiene.operator.audit.WorkloadId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the remediation rollouts in progress at once ({@code maxConcurrentRollouts}). Counted from
 * the cluster, not remembered: a rollout is remediation's while the workload's {@link
 * RemediationState} says a fix was applied, its template is still the fixed one, and the rollout
 * has not finished ({@link RolloutState}). So a new leader counts the rollouts its predecessor
 * started.
 *
 * <p>The one thing held in memory is the short gap between an apply and the informer cache showing
 * it: a fix applied a moment ago holds its slot as a reservation until the cached copy is newer
 * than the one the fix was applied to (from then on the cluster tells).
 */
public final class RolloutSlots {

  private static final Logger LOG = LoggerFactory.getLogger(RolloutSlots.class);

  private final Supplier<Stream<? extends HasMetadata>> workloads;

  /**
   * Workload key ({@link #key}) to the generation its fix was applied to, until the cache is past
   * it.
   */
  private final Map<String, Long> reserved = new HashMap<>();

  /**
   * @param workloads the workloads whose template changes roll out, from the informer cache
   */
  public RolloutSlots(Supplier<Stream<? extends HasMetadata>> workloads) {
    this.workloads = workloads;
  }

  /**
   * Reserves a slot for a remediation of {@code key} ({@link #key}), applied to the workload at
   * {@code generation}, if fewer than {@code max} remediation rollouts are in progress. The
   * reservation holds until the cache shows a later generation (the apply changes the template, so
   * the generation moves), or {@link #release} (nothing was applied).
   */
  public synchronized boolean tryAcquire(String key, long generation, int max) {
    Map<String, HasMetadata> cached = new HashMap<>();
    List<String> holders = new ArrayList<>();
    workloads
        .get()
        .forEach(
            d -> {
              String k = key(d);
              if (reserved.containsKey(k)) {
                cached.put(k, d);
              }
              if (!k.equals(key) && remediationRollout(d)) {
                holders.add(k);
              }
            });
    reserved
        .entrySet()
        .removeIf(
            e -> {
              HasMetadata d = cached.get(e.getKey());
              return d == null || caughtUp(d, e.getValue());
            });
    reserved.keySet().stream()
        .filter(k -> !k.equals(key) && !holders.contains(k))
        .forEach(holders::add);
    if (holders.size() >= max) {
      LOG.info(
          "remediation waits for a rollout slot: {} remediation rollouts in progress"
              + " (at most {}): {}",
          holders.size(),
          max,
          String.join(", ", holders.subList(0, Math.min(5, holders.size()))));
      return false;
    }
    reserved.put(key, generation);
    return true;
  }

  /** Gives back a reservation whose apply did not happen. */
  public synchronized void release(String key) {
    reserved.remove(key);
  }

  /**
   * Whether the workload is in a rollout that a remediation started. One being deleted is not
   * rolling out: its generation moves past what the controller observes and stays there until it is
   * gone (a namespace's teardown can take a while), and it would hold a slot meanwhile.
   */
  static boolean remediationRollout(HasMetadata d) {
    if (d.getMetadata().getDeletionTimestamp() != null) {
      return false;
    }
    RemediationState s = RemediationState.of(d);
    return s.result() == RemediationState.Result.APPLIED
        && s.templateIsTheFixed(d)
        && RolloutState.inProgress(d);
  }

  /** Whether the cached copy is past the one the reserved fix was applied to. */
  private static boolean caughtUp(HasMetadata d, long generation) {
    Long g = d.getMetadata().getGeneration();
    return g != null && g > generation;
  }

  synchronized Optional<Long> reservation(String key) {
    return Optional.ofNullable(reserved.get(key));
  }

  /** {@link WorkloadId#key}: kinds may share names. */
  static String key(HasMetadata d) {
    return WorkloadId.of(d).key();
  }
}
