package io.pyhygiene.operator.remediation;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Bounds the remediation rollouts in progress at once ({@code maxConcurrentRollouts}). Counted
 * from the cluster, not remembered: a rollout is remediation's while the Deployment's
 * {@link RemediationState} says a fix was applied, its template is still the fixed one, and the
 * rollout has not finished ({@link RolloutState}). So a new leader counts the rollouts its
 * predecessor started.
 *
 * <p>The one thing held in memory is the short gap between an apply and the informer cache
 * showing it: a fix applied a moment ago holds its slot as a reservation until the cached copy
 * carries its state.
 */
public final class RolloutSlots {

  private final Supplier<Stream<Deployment>> deployments;
  /** Deployment key to the revision its fix was applied at, until the cache shows the state. */
  private final Map<String, Long> reserved = new HashMap<>();

  /** @param deployments the Deployments in the informer cache */
  public RolloutSlots(Supplier<Stream<Deployment>> deployments) {
    this.deployments = deployments;
  }

  /**
   * Reserves a slot for a remediation of {@code key} ({@code namespace/name}) at {@code revision}
   * if fewer than {@code max} remediation rollouts are in progress; the reservation holds until
   * the cache shows the applied state, or {@link #release} (the apply failed).
   */
  public synchronized boolean tryAcquire(String key, long revision, int max) {
    Map<String, Deployment> cached = new HashMap<>();
    long inProgress = deployments.get().filter(d -> {
      String k = key(d);
      if (reserved.containsKey(k)) {
        cached.put(k, d);
      }
      return !k.equals(key) && remediationRollout(d);
    }).count();
    reserved.entrySet().removeIf(e -> {
      Deployment d = cached.get(e.getKey());
      return d == null || caughtUp(d, e.getValue());
    });
    long pending = reserved.keySet().stream().filter(k -> !k.equals(key)).count();
    if (inProgress + pending >= max) {
      return false;
    }
    reserved.put(key, revision);
    return true;
  }

  /** Gives back a reservation whose apply did not happen. */
  public synchronized void release(String key) {
    reserved.remove(key);
  }

  /** Whether the Deployment is in a rollout that a remediation started. */
  static boolean remediationRollout(Deployment d) {
    RemediationState s = RemediationState.of(d);
    return s.result() == RemediationState.Result.APPLIED && s.templateIsTheFixed(d)
        && RolloutState.inProgress(d);
  }

  /** Whether the cached copy already carries the applied state of this reservation. */
  private static boolean caughtUp(Deployment d, long revision) {
    RemediationState s = RemediationState.of(d);
    return s.result() == RemediationState.Result.APPLIED && s.revision() >= revision;
  }

  synchronized Optional<Long> reservation(String key) {
    return Optional.ofNullable(reserved.get(key));
  }

  private static String key(Deployment d) {
    return d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
  }
}
