package io.pyhygiene.workload;

import java.time.Instant;
import java.util.List;

/**
 * What the operator observed about a workload at runtime, beyond its manifest: container
 * terminations of its pods (within the evidence window) and remediation attempts that another field
 * manager blocked. Offline audits have none.
 *
 * @param terminations observed container terminations
 * @param conflicts fields the remediation could not set because another manager owns them
 */
public record Observations(List<Termination> terminations, List<RemediationConflict> conflicts) {

  public static final Observations NONE = new Observations(List.of(), List.of());

  public Observations {
    terminations = List.copyOf(terminations);
    conflicts = List.copyOf(conflicts);
  }

  /**
   * One container termination.
   *
   * @param pod the pod's name
   * @param container the container's name
   * @param exitCode the exit code (137 = SIGKILL)
   * @param reason the kubelet's reason ({@code OOMKilled}, {@code Error}, {@code Completed})
   * @param podDeleting whether the pod was being deleted (a shutdown) when it terminated
   * @param finishedAt when it terminated, if known
   */
  public record Termination(
      String pod,
      String container,
      int exitCode,
      String reason,
      boolean podDeleting,
      Instant finishedAt) {

    /** Killed at shutdown: exit 137 on a pod being deleted, and not by the OOM killer. */
    public boolean sigkilledAtShutdown() {
      return exitCode == 137 && podDeleting && !oomKilled();
    }

    public boolean oomKilled() {
      return "OOMKilled".equals(reason);
    }
  }

  /**
   * A remediation blocked by another field manager.
   *
   * @param rule the rule whose fix was blocked
   * @param field the field path the API server named
   * @param manager the field manager that owns it
   */
  public record RemediationConflict(String rule, String field, String manager) {}
}
