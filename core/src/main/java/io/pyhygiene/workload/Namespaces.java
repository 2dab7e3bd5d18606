package io.pyhygiene.workload;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;

/**
 * Which Services and ConfigMaps of an input a workload can see: those of its namespace and those
 * that name none (a file may leave namespaces to {@code kubectl -n}); every one, for a workload
 * that names none. One rule for the view ({@link WorkloadContext}), for what can change it ({@link
 * ContextDependence}) and for the CLI's streaming re-audit, which must agree with both.
 */
public final class Namespaces {

  private Namespaces() {}

  /** The namespace an object is indexed by: "" when it names none. */
  public static String of(ObjectMeta meta) {
    return meta == null || meta.getNamespace() == null ? "" : meta.getNamespace();
  }

  /** Whether an object of {@code objectNamespace} is seen from a workload of {@code workload}. */
  public static boolean visible(String workload, String objectNamespace) {
    return workload.isEmpty() || objectNamespace.isEmpty() || objectNamespace.equals(workload);
  }

  /**
   * The groups of an index by namespace ({@link #of}) that a workload of {@code workload} sees: its
   * own and the unnamed one, or all of them.
   */
  public static <T> List<T> visibleGroups(String workload, Map<String, T> byNamespace) {
    if (workload.isEmpty()) {
      return List.copyOf(byNamespace.values());
    }
    T own = byNamespace.get(workload);
    T unnamed = byNamespace.get("");
    return own == null
        ? (unnamed == null ? List.of() : List.of(unnamed))
        : (unnamed == null ? List.of(own) : List.of(own, unnamed));
  }
}
