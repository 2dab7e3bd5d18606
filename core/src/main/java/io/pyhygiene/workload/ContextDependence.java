package io.pyhygiene.workload;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What of a workload decides whether a Service or ConfigMap of its {@link WorkloadContext} can
 * change its {@link WorkloadView}: a streaming audit (the CLI reads a workload before the Services
 * that follow it in the input) re-audits a workload only when one that came later can.
 *
 * <p>It mirrors what the view reads from its context: a container's serving state (a Service of the
 * namespace whose selector the pod's labels satisfy, routing to a declared port: a pod that
 * declares no port serves nothing, Services or not) and the scripts of ConfigMap volumes (a
 * ConfigMap of the namespace named by a volume). It answers conservatively: a Service that selects
 * the pod counts even if none of its ports reaches a container. {@code ContextDependenceTest}
 * checks it against the view itself: whatever it calls irrelevant leaves the audit unchanged.
 *
 * @param namespace the workload's namespace ("" when unset)
 * @param podLabels the pod template's labels
 * @param declaresPorts whether a container declares a port
 * @param configMapVolumes the names of the ConfigMaps its volumes mount
 */
public record ContextDependence(
    String namespace,
    Map<String, String> podLabels,
    boolean declaresPorts,
    Set<String> configMapVolumes) {

  public ContextDependence {
    podLabels = Map.copyOf(podLabels);
    configMapVolumes = Set.copyOf(configMapVolumes);
  }

  /** The dependence of an object's view (an object without a pod template has none). */
  public static ContextDependence of(HasMetadata object) {
    Optional<PodTemplateSpec> template = PodTemplates.of(object);
    ObjectMeta meta = object.getMetadata();
    String namespace = Namespaces.of(meta);
    PodTemplateSpec t = template.orElse(null);
    Map<String, String> labels = Map.of();
    if (t != null && t.getMetadata() != null && t.getMetadata().getLabels() != null) {
      labels = t.getMetadata().getLabels();
      // the constructor copies them (Map.copyOf); a second copy only when a null must go first
      // (checked by iterating: Map.of's containsKey(null) throws)
      if (labels.entrySet().stream().anyMatch(e -> e.getKey() == null || e.getValue() == null)) {
        labels = withoutNulls(labels);
      }
    }
    PodSpec spec = t == null ? null : t.getSpec();
    boolean ports = false;
    Set<String> maps = new HashSet<>();
    if (spec != null) {
      if (spec.getContainers() != null) {
        for (Container c : spec.getContainers()) {
          ports |=
              c != null && c.getPorts() != null && c.getPorts().stream().anyMatch(Objects::nonNull);
        }
      }
      if (spec.getVolumes() != null) {
        for (Volume v : spec.getVolumes()) {
          if (v != null && v.getConfigMap() != null && v.getConfigMap().getName() != null) {
            maps.add(v.getConfigMap().getName());
          }
        }
      }
    }
    return new ContextDependence(namespace, labels, ports, maps);
  }

  /** Whether no Service or ConfigMap can change the view: nothing to re-audit, ever. */
  public boolean independent() {
    return !declaresPorts && configMapVolumes.isEmpty();
  }

  /**
   * Whether the view changes when Services become visible at all (audited before any was known,
   * containers with ports are taken as serving; once any is known, only those a Service selects).
   */
  public boolean affectedBySeeingServices() {
    return declaresPorts;
  }

  /** Whether {@code s}, added to the Services visible, can change the view. */
  public boolean affectedBy(Service s) {
    if (!declaresPorts || !sameNamespace(s.getMetadata())) {
      return false;
    }
    Map<String, String> selector = s.getSpec() == null ? null : s.getSpec().getSelector();
    return selector != null
        && !selector.isEmpty()
        && selector.entrySet().stream()
            .allMatch(
                e -> e.getKey() != null && Objects.equals(podLabels.get(e.getKey()), e.getValue()));
  }

  /** Whether {@code cm}, added to the ConfigMaps visible, can change the view. */
  public boolean affectedBy(ConfigMap cm) {
    return cm.getMetadata() != null
        && configMapVolumes.contains(cm.getMetadata().getName())
        && sameNamespace(cm.getMetadata());
  }

  private boolean sameNamespace(ObjectMeta meta) {
    return Namespaces.visible(namespace, Namespaces.of(meta));
  }

  private static Map<String, String> withoutNulls(Map<String, String> in) {
    Map<String, String> out = new java.util.HashMap<>();
    in.forEach(
        (k, v) -> {
          if (k != null && v != null) {
            out.put(k, v);
          }
        });
    return out;
  }
}
