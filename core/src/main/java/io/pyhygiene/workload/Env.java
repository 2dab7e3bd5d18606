package io.pyhygiene.workload;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A container's effective environment as far as the manifest shows it: the {@code env} list, where
 * a later entry with the same name wins (as the kubelet does), plus whether {@code envFrom} may add
 * more.
 */
public final class Env {

  private final Map<String, EnvVar> byName;
  private final boolean hasEnvFrom;

  public Env(List<EnvVar> vars, boolean hasEnvFrom) {
    Map<String, EnvVar> map = new LinkedHashMap<>();
    for (EnvVar v : vars) {
      if (v != null && v.name() != null) {
        map.remove(v.name());
        map.put(v.name(), v);
      }
    }
    this.byName = map;
    this.hasEnvFrom = hasEnvFrom;
  }

  public static Env empty() {
    return new Env(List.of(), false);
  }

  public Optional<EnvVar> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** The literal value of a variable, if it has one. */
  public Optional<String> literal(String name) {
    EnvVar v = byName.get(name);
    return v == null || v.literal() == null ? Optional.empty() : Optional.of(v.literal());
  }

  public List<EnvVar> all() {
    return new ArrayList<>(byName.values());
  }

  public boolean hasEnvFrom() {
    return hasEnvFrom;
  }

  public boolean anyNameStartsWith(String prefix) {
    return byName.keySet().stream().anyMatch(n -> n.startsWith(prefix));
  }

  /**
   * Names only Python programs read: {@code PYTHON*}, {@code GUNICORN_*}, {@code UVICORN_*}, {@code
   * CELERY_*}, {@code DJANGO_SETTINGS_MODULE}, {@code FLASK_APP}. Whether they make a container
   * Python is decided with what it runs (an nginx sidecar may carry them).
   */
  public boolean hasPythonOnlyName() {
    return byName.keySet().stream()
        .anyMatch(
            n ->
                n.startsWith("PYTHON")
                    || n.startsWith("GUNICORN_")
                    || n.startsWith("UVICORN_")
                    || n.startsWith("CELERY_")
                    || n.equals("DJANGO_SETTINGS_MODULE")
                    || n.equals("FLASK_APP"));
  }

  /** This environment with {@code image}'s variables underneath (pod env wins, as at runtime). */
  public Env over(List<EnvVar> image) {
    List<EnvVar> merged = new ArrayList<>(image);
    merged.addAll(byName.values());
    return new Env(merged, hasEnvFrom);
  }

  /**
   * Resolves a Kubernetes {@code $(VAR)} reference against the literal env values, for numeric
   * options such as {@code --workers $(WORKERS)}; anything else is returned unchanged.
   */
  public String resolveReference(String value) {
    if (value != null && value.startsWith("$(") && value.endsWith(")") && value.length() > 3) {
      return literal(value.substring(2, value.length() - 1)).orElse(value);
    }
    return value;
  }
}
