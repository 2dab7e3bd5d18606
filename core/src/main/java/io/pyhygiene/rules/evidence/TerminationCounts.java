package io.pyhygiene.rules.evidence;

import io.pyhygiene.workload.Observations.Termination;
import io.pyhygiene.workload.WorkloadView;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/** Observed terminations of a kind, counted per container (sorted by container name). */
final class TerminationCounts {

  private TerminationCounts() {}

  static Map<String, Integer> byContainer(WorkloadView w, Predicate<Termination> kind) {
    Map<String, Integer> counts = new TreeMap<>();
    for (Termination t : w.observations().terminations()) {
      if (kind.test(t)) {
        counts.merge(t.container(), 1, Integer::sum);
      }
    }
    return counts;
  }

  static String times(int n) {
    return n == 1 ? "once" : n + " times";
  }
}
