package io.pyhygiene.engine;

import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.WorkloadView;
import java.util.Optional;

/**
 * What a rule's fix reads and changes: the workload as patched so far and the policy, and the
 * fields it sets in the pod template. Paths are dotted field paths below a container ({@code
 * securityContext.runAsUser}) or below the pod spec ({@code terminationGracePeriodSeconds}); values
 * are plain Java values (Boolean, Number, String, List, Map) as they appear in the manifest.
 */
public interface TemplateEdits {

  /** The workload with the fixes planned so far applied. */
  WorkloadView workload();

  AuditPolicy policy();

  /** The container of that name in {@link #workload()}. */
  Optional<ContainerView> container(String name);

  /**
   * Sets a field of a container. {@code change} describes it for people and must not quote a
   * command, a script or an env value.
   */
  void setOnContainer(String container, String path, Object value, String change);

  /** Sets a field of a container, described as {@code path=value}. */
  default void setOnContainer(String container, String path, Object value) {
    setOnContainer(container, path, value, path + "=" + value);
  }

  /** Sets a field of the pod spec; {@code change} as for {@link #setOnContainer}. */
  void setOnPod(String path, Object value, String change);

  /** Why this rule's finding on {@code container} ({@code ""} for the pod) cannot be fixed. */
  void cannotFix(String container, String reason);
}
