package io.pyhygiene.engine;

/** What a policy does with findings beyond reporting them. */
public enum PolicyMode {
  /** Annotate, report and export metrics. */
  Audit,
  /** Also return admission warnings. */
  Warn,
  /** Also reject, at admission, workloads with {@code error} findings. */
  Deny;

  /** Larger is stricter; used when several policies select one workload. */
  public int strictness() {
    return ordinal();
  }
}
