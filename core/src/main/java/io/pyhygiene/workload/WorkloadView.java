package io.pyhygiene.workload;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A pure read model of a workload: its pod template and its owner (Deployment, StatefulSet,
 * DaemonSet, ReplicaSet, Job, CronJob or bare Pod), with what the audit context adds (Services,
 * mounted scripts, image configs, runtime evidence). What every rule reads; tolerates any missing
 * part of the spec.
 */
public final class WorkloadView {

  /**
   * Label that tags a workload as a Python service ({@code python}) or opts it out (any other
   * value).
   */
  public static final String RUNTIME_LABEL = "pyhygiene.io/runtime";

  /** Unset {@code terminationGracePeriodSeconds} is 30 seconds in Kubernetes. */
  public static final long DEFAULT_GRACE_SECONDS = 30;

  private final WorkloadKind kind;
  private final String namespace;
  private final String name;
  private final Map<String, String> labels;
  private final Map<String, String> annotations;
  private final Long terminationGracePeriodSeconds;
  private final boolean shareProcessNamespace;
  private final boolean longRunning;
  private final String podManagementPolicy;
  private final String updateStrategy;
  private final String maxUnavailable;
  private final boolean servicesVisible;
  private final List<ContainerView> containers;
  private final Observations observations;

  private WorkloadView(
      WorkloadKind kind,
      ObjectMeta meta,
      PodTemplateSpec template,
      RolloutFacts rollout,
      WorkloadContext context) {
    this.kind = kind;
    this.observations = context.observations();
    ObjectMeta m = meta == null ? new ObjectMeta() : meta;
    this.namespace = Objects.requireNonNullElse(m.getNamespace(), "");
    this.name = Objects.requireNonNullElse(m.getName(), "");
    this.labels = copy(m.getLabels());
    this.annotations = copy(m.getAnnotations());
    PodSpec spec = template == null ? null : template.getSpec();
    Map<String, String> podLabels =
        template == null || template.getMetadata() == null
            ? Map.of()
            : copy(template.getMetadata().getLabels());
    this.terminationGracePeriodSeconds =
        spec == null ? null : spec.getTerminationGracePeriodSeconds();
    this.shareProcessNamespace =
        spec != null && Boolean.TRUE.equals(spec.getShareProcessNamespace());
    String restart = spec == null ? null : spec.getRestartPolicy();
    this.longRunning =
        kind.longRunning()
            && (kind != WorkloadKind.POD || restart == null || restart.equals("Always"));
    this.podManagementPolicy = rollout.podManagementPolicy();
    this.updateStrategy = rollout.updateStrategy();
    this.maxUnavailable = rollout.maxUnavailable();
    this.servicesVisible = context.services().isPresent();
    List<Service> services = context.servicesIn(namespace);
    List<ConfigMap> configMaps = context.configMapsIn(namespace);
    List<ContainerView> views = new ArrayList<>();
    if (spec != null && spec.getContainers() != null) {
      for (Container c : spec.getContainers()) {
        if (c != null) {
          views.add(
              ContainerView.of(
                  c,
                  spec.getSecurityContext(),
                  context.image(c.getImage()),
                  serving(c, podLabels, servicesVisible, services),
                  scripts(c, spec, configMaps)));
        }
      }
    }
    this.containers = List.copyOf(views);
  }

  /** Kind-specific rollout settings that change what a slow shutdown costs. */
  private record RolloutFacts(
      String podManagementPolicy, String updateStrategy, String maxUnavailable) {
    static final RolloutFacts NONE = new RolloutFacts("", "", "");
  }

  /** The view of an audited kind, or empty for any other object. */
  public static Optional<WorkloadView> of(HasMetadata object, WorkloadContext context) {
    if (object instanceof Deployment d) {
      String strategy =
          d.getSpec() == null || d.getSpec().getStrategy() == null
              ? ""
              : Objects.requireNonNullElse(d.getSpec().getStrategy().getType(), "");
      return Optional.of(
          new WorkloadView(
              WorkloadKind.DEPLOYMENT,
              d.getMetadata(),
              d.getSpec() == null ? null : d.getSpec().getTemplate(),
              new RolloutFacts("", strategy, ""),
              context));
    }
    if (object instanceof StatefulSet s) {
      var spec = s.getSpec();
      return Optional.of(
          new WorkloadView(
              WorkloadKind.STATEFUL_SET,
              s.getMetadata(),
              spec == null ? null : spec.getTemplate(),
              new RolloutFacts(
                  spec == null || spec.getPodManagementPolicy() == null
                      ? "OrderedReady"
                      : spec.getPodManagementPolicy(),
                  spec == null
                          || spec.getUpdateStrategy() == null
                          || spec.getUpdateStrategy().getType() == null
                      ? "RollingUpdate"
                      : spec.getUpdateStrategy().getType(),
                  ""),
              context));
    }
    if (object instanceof DaemonSet ds) {
      var spec = ds.getSpec();
      var update = spec == null ? null : spec.getUpdateStrategy();
      IntOrString max =
          update == null || update.getRollingUpdate() == null
              ? null
              : update.getRollingUpdate().getMaxUnavailable();
      return Optional.of(
          new WorkloadView(
              WorkloadKind.DAEMON_SET,
              ds.getMetadata(),
              spec == null ? null : spec.getTemplate(),
              new RolloutFacts(
                  "",
                  update == null || update.getType() == null ? "RollingUpdate" : update.getType(),
                  max == null
                      ? "1"
                      : max.getIntVal() != null
                          ? String.valueOf(max.getIntVal())
                          : Objects.requireNonNullElse(max.getStrVal(), "1")),
              context));
    }
    if (object instanceof ReplicaSet rs) {
      return Optional.of(
          new WorkloadView(
              WorkloadKind.REPLICA_SET,
              rs.getMetadata(),
              rs.getSpec() == null ? null : rs.getSpec().getTemplate(),
              RolloutFacts.NONE,
              context));
    }
    if (object instanceof Job j) {
      return Optional.of(
          new WorkloadView(
              WorkloadKind.JOB,
              j.getMetadata(),
              j.getSpec() == null ? null : j.getSpec().getTemplate(),
              RolloutFacts.NONE,
              context));
    }
    if (object instanceof CronJob cj) {
      var jobSpec =
          cj.getSpec() == null || cj.getSpec().getJobTemplate() == null
              ? null
              : cj.getSpec().getJobTemplate().getSpec();
      return Optional.of(
          new WorkloadView(
              WorkloadKind.CRON_JOB,
              cj.getMetadata(),
              jobSpec == null ? null : jobSpec.getTemplate(),
              RolloutFacts.NONE,
              context));
    }
    if (object instanceof Pod p) {
      PodTemplateSpec template = new PodTemplateSpec(p.getMetadata(), p.getSpec());
      return Optional.of(
          new WorkloadView(
              WorkloadKind.POD, p.getMetadata(), template, RolloutFacts.NONE, context));
    }
    return Optional.empty();
  }

  public static WorkloadView of(Deployment deployment) {
    return of(deployment, Observations.NONE);
  }

  /** A Deployment together with what the operator observed about it at runtime. */
  public static WorkloadView of(Deployment deployment, Observations observations) {
    return of(deployment, WorkloadContext.NONE.withObservations(observations)).orElseThrow();
  }

  /**
   * The container's serving state: a Service of the namespace whose selector matches the pod's
   * labels and one of whose ports targets a port of this container (by number or name).
   */
  private static Serving serving(
      Container c, Map<String, String> podLabels, boolean servicesVisible, List<Service> services) {
    List<ContainerPort> ports =
        c.getPorts() == null ? List.of() : c.getPorts().stream().filter(Objects::nonNull).toList();
    // Services visible but none in this namespace: nothing routes to it (not "unknown").
    if (!servicesVisible) {
      return ports.isEmpty() ? Serving.NONE : new Serving(Serving.State.ASSUMED_FROM_PORTS, "");
    }
    for (Service s : services) {
      Map<String, String> selector = s.getSpec() == null ? null : s.getSpec().getSelector();
      if (selector == null
          || selector.isEmpty()
          || !podLabels.entrySet().containsAll(selector.entrySet())) {
        continue;
      }
      for (ServicePort sp :
          s.getSpec().getPorts() == null ? List.<ServicePort>of() : s.getSpec().getPorts()) {
        if (sp != null && targets(sp, ports)) {
          return new Serving(
              Serving.State.SERVICE,
              s.getMetadata() == null
                  ? ""
                  : Objects.requireNonNullElse(s.getMetadata().getName(), ""));
        }
      }
    }
    return Serving.NONE;
  }

  private static boolean targets(ServicePort sp, List<ContainerPort> ports) {
    IntOrString target = sp.getTargetPort();
    for (ContainerPort p : ports) {
      if (target == null || (target.getIntVal() == null && target.getStrVal() == null)) {
        if (Objects.equals(p.getContainerPort(), sp.getPort())) {
          return true;
        }
      } else if (target.getIntVal() != null) {
        if (Objects.equals(p.getContainerPort(), target.getIntVal())) {
          return true;
        }
      } else if (target.getStrVal().equals(p.getName())
          || target.getStrVal().equals(String.valueOf(p.getContainerPort()))) {
        return true;
      }
    }
    return false;
  }

  /** Files this container sees from ConfigMap volumes of the context: mount path to content. */
  private static Map<String, String> scripts(Container c, PodSpec spec, List<ConfigMap> maps) {
    if (maps.isEmpty() || c.getVolumeMounts() == null || spec.getVolumes() == null) {
      return Map.of();
    }
    Map<String, Volume> volumes = new HashMap<>();
    spec.getVolumes().stream()
        .filter(v -> v != null && v.getName() != null)
        .forEach(v -> volumes.putIfAbsent(v.getName(), v));
    Map<String, String> files = new LinkedHashMap<>();
    for (VolumeMount mount : c.getVolumeMounts()) {
      Volume v = mount == null ? null : volumes.get(mount.getName());
      if (v == null || v.getConfigMap() == null || mount.getMountPath() == null) {
        continue;
      }
      String cmName = v.getConfigMap().getName();
      Optional<ConfigMap> cm =
          maps.stream()
              .filter(
                  m ->
                      m.getMetadata() != null
                          && Objects.equals(m.getMetadata().getName(), cmName)
                          && m.getData() != null)
              .findFirst();
      if (cm.isEmpty()) {
        continue;
      }
      Map<String, String> paths = new LinkedHashMap<>(); // file name in the volume -> key
      if (v.getConfigMap().getItems() != null && !v.getConfigMap().getItems().isEmpty()) {
        for (KeyToPath item : v.getConfigMap().getItems()) {
          paths.put(item.getPath(), item.getKey());
        }
      } else {
        cm.get().getData().keySet().forEach(k -> paths.put(k, k));
      }
      String base =
          mount.getMountPath().endsWith("/") ? mount.getMountPath() : mount.getMountPath() + "/";
      paths.forEach(
          (path, key) -> {
            String content = cm.get().getData().get(key);
            if (content == null) {
              return;
            }
            if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()) {
              if (mount.getSubPath().equals(path)) {
                files.put(mount.getMountPath(), content);
              }
            } else {
              files.put(base + path, content);
            }
          });
    }
    return files;
  }

  private static Map<String, String> copy(Map<String, String> in) {
    if (in == null) {
      return Map.of();
    }
    Map<String, String> out = new HashMap<>();
    in.forEach(
        (k, v) -> {
          if (k != null && v != null) {
            out.put(k, v);
          }
        });
    return Map.copyOf(out);
  }

  public Observations observations() {
    return observations;
  }

  public WorkloadKind workloadKind() {
    return kind;
  }

  /** The Kubernetes kind, e.g. {@code Deployment}. */
  public String kind() {
    return kind.kind();
  }

  public String apiVersion() {
    return kind.apiVersion();
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
        ? DEFAULT_GRACE_SECONDS
        : terminationGracePeriodSeconds;
  }

  public boolean shareProcessNamespace() {
    return shareProcessNamespace;
  }

  /**
   * Whether its pods run until replaced: rolled out, routed to and drained. A Job's or CronJob's
   * pod (or a bare Pod with restartPolicy Never/OnFailure) runs to completion.
   */
  public boolean longRunning() {
    return longRunning;
  }

  /** A StatefulSet's podManagementPolicy ({@code OrderedReady} by default), else empty. */
  public String podManagementPolicy() {
    return podManagementPolicy;
  }

  /** The update strategy type of a Deployment, StatefulSet or DaemonSet, else empty. */
  public String updateStrategy() {
    return updateStrategy;
  }

  /** A DaemonSet's rolling-update maxUnavailable ({@code 1} by default), else empty. */
  public String maxUnavailable() {
    return maxUnavailable;
  }

  /** Whether Services were visible when auditing, so serving was decided rather than assumed. */
  public boolean servicesVisible() {
    return servicesVisible;
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
   * The containers Python-specific rules apply to: those that look like Python; when the workload
   * is tagged but none does (an image with an unusual name and no command), every container, since
   * the tag is the owner's own statement.
   */
  public List<ContainerView> pythonContainers() {
    List<ContainerView> py = containers.stream().filter(ContainerView::looksPython).toList();
    return py.isEmpty() && taggedPython() ? containers : py;
  }
}
