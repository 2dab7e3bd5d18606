package io.pyhygiene.workload;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A pure read model of a workload's pod template: what every rule reads. Built from fabric8 model
 * objects; tolerates any missing part of the spec.
 */
public final class WorkloadView {

  /** Label that tags a workload as a Python service ({@code python}) or opts it out (any other value). */
  public static final String RUNTIME_LABEL = "pyhygiene.io/runtime";

  /** Unset {@code terminationGracePeriodSeconds} is 30 seconds in Kubernetes. */
  public static final long DEFAULT_GRACE_SECONDS = 30;

  private final String kind;
  private final String namespace;
  private final String name;
  private final Map<String, String> labels;
  private final Map<String, String> annotations;
  private final Long terminationGracePeriodSeconds;
  private final boolean shareProcessNamespace;
  private final List<ContainerView> containers;
  private final Observations observations;

  private WorkloadView(String kind, ObjectMeta meta, PodTemplateSpec template,
      Observations observations) {
    this.observations = observations == null ? Observations.NONE : observations;
    this.kind = kind;
    ObjectMeta m = meta == null ? new ObjectMeta() : meta;
    this.namespace = Objects.requireNonNullElse(m.getNamespace(), "");
    this.name = Objects.requireNonNullElse(m.getName(), "");
    this.labels = m.getLabels() == null ? Map.of() : Map.copyOf(withoutNulls(m.getLabels()));
    this.annotations =
        m.getAnnotations() == null ? Map.of() : Map.copyOf(withoutNulls(m.getAnnotations()));
    PodSpec spec = template == null ? null : template.getSpec();
    this.terminationGracePeriodSeconds = spec == null ? null : spec.getTerminationGracePeriodSeconds();
    this.shareProcessNamespace = spec != null && Boolean.TRUE.equals(spec.getShareProcessNamespace());
    List<ContainerView> views = new ArrayList<>();
    if (spec != null && spec.getContainers() != null) {
      for (Container c : spec.getContainers()) {
        if (c != null) {
          views.add(ContainerView.of(c, spec.getSecurityContext()));
        }
      }
    }
    this.containers = List.copyOf(views);
  }

  private static Map<String, String> withoutNulls(Map<String, String> in) {
    Map<String, String> out = new java.util.HashMap<>();
    in.forEach((k, v) -> {
      if (k != null && v != null) {
        out.put(k, v);
      }
    });
    return out;
  }

  public static WorkloadView of(Deployment deployment) {
    return of(deployment, Observations.NONE);
  }

  /** A Deployment together with what the operator observed about it at runtime. */
  public static WorkloadView of(Deployment deployment, Observations observations) {
    PodTemplateSpec template =
        deployment.getSpec() == null ? null : deployment.getSpec().getTemplate();
    return new WorkloadView("Deployment", deployment.getMetadata(), template, observations);
  }

  public static WorkloadView of(String kind, ObjectMeta meta, PodTemplateSpec template) {
    return new WorkloadView(kind, meta, template, Observations.NONE);
  }

  public Observations observations() {
    return observations;
  }

  public String kind() {
    return kind;
  }

  public String namespace() {
    return namespace;
  }

  public String name() {
    return name;
  }

  public Map<String, String> labels() {
    return labels;
  }

  public Map<String, String> annotations() {
    return annotations;
  }

  /** The grace period as written, or {@code null} when unset. */
  public Long terminationGracePeriodSecondsAsWritten() {
    return terminationGracePeriodSeconds;
  }

  public long terminationGracePeriodSeconds() {
    return terminationGracePeriodSeconds == null
        ? DEFAULT_GRACE_SECONDS : terminationGracePeriodSeconds;
  }

  public boolean shareProcessNamespace() {
    return shareProcessNamespace;
  }

  public List<ContainerView> containers() {
    return containers;
  }

  /** Tagged with {@code pyhygiene.io/runtime: python}. */
  public boolean taggedPython() {
    return "python".equals(labels.get(RUNTIME_LABEL));
  }

  /** {@code pyhygiene.io/runtime} set to anything else opts the workload out. */
  public boolean optedOut() {
    String v = labels.get(RUNTIME_LABEL);
    return v != null && !v.equals("python");
  }

  /** Whether the workload is a Python service under the given detection mode. */
  public boolean isPythonService(boolean labelOnly) {
    if (optedOut()) {
      return false;
    }
    if (taggedPython()) {
      return true;
    }
    return !labelOnly && containers.stream().anyMatch(ContainerView::looksPython);
  }

  /**
   * The containers Python-specific rules apply to: those that look like Python; when the
   * workload is tagged but none does (an image with an unusual name and no command), every
   * container, since the tag is the owner's own statement.
   */
  public List<ContainerView> pythonContainers() {
    List<ContainerView> py = containers.stream().filter(ContainerView::looksPython).toList();
    return py.isEmpty() && taggedPython() ? containers : py;
  }
}
