package io.pyhygiene.workload;

/**
 * One environment variable of a container. The literal value is available to rules that must
 * inspect it, but {@link #toString()} never shows it: values may be secrets and must not reach
 * logs, annotations, reports or metrics.
 *
 * @param name the variable name
 * @param literal the literal {@code value}, or {@code null} when it comes from {@code valueFrom}
 * @param fromReference whether the value comes from {@code valueFrom} (Secret, ConfigMap, field)
 * @param fromImage whether it comes from the image's ENV rather than the pod spec
 */
public record EnvVar(String name, String literal, boolean fromReference, boolean fromImage) {

  /** A variable of the pod spec. */
  public EnvVar(String name, String literal, boolean fromReference) {
    this(name, literal, fromReference, false);
  }

  public boolean hasLiteral() {
    return literal != null;
  }

  /** Set to something that is not empty, or set from a reference whose value is unknown here. */
  public boolean isSetNonEmpty() {
    return fromReference || (literal != null && !literal.isEmpty());
  }

  @Override
  public String toString() {
    return "EnvVar["
        + name
        + (fromReference ? " from reference" : " = <redacted>")
        + (fromImage ? ", image" : "")
        + "]";
  }
}
