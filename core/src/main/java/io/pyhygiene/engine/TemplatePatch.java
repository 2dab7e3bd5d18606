package io.pyhygiene.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.json.Json;
import io.pyhygiene.ssa.ApplyMerge;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The fields a remediation sets in a Deployment's pod template, as one sparse server-side-apply
 * configuration (containers keyed by name), and the Deployment as the API server would merge it.
 */
final class TemplatePatch {

  /**
   * One field set.
   *
   * @param rule the rule whose fix sets it
   * @param container the container, or {@code null} for the pod spec
   * @param path the field path below the container or the pod spec
   * @param value the value applied
   * @param change the secret-free description
   */
  record Edit(String rule, String container, List<String> path, JsonNode value, String change) {}

  private final Deployment deployment;

  /** Names of the containers the patch can address, in spec order. */
  private final Set<String> keyed = new LinkedHashSet<>();

  private final List<Edit> edits = new ArrayList<>();

  TemplatePatch(Deployment deployment) {
    this.deployment = deployment;
    var spec =
        deployment.getSpec() == null || deployment.getSpec().getTemplate() == null
            ? null
            : deployment.getSpec().getTemplate().getSpec();
    if (spec != null && spec.getContainers() != null) {
      for (Container c : spec.getContainers()) {
        if (c != null && c.getName() != null && !c.getName().isEmpty()) {
          keyed.add(c.getName());
        }
      }
    }
  }

  /** Whether a container can be addressed: it has a name, and the first of that name. */
  boolean addresses(String container) {
    return keyed.contains(container);
  }

  void add(String rule, String container, String path, Object value, String change) {
    edits.add(
        new Edit(
            rule,
            container,
            List.of(path.split("\\.")),
            Json.MAPPER.valueToTree(value),
            (container == null ? "pod: " : "container " + container + ": ") + change));
  }

  List<Edit> edits() {
    return List.copyOf(edits);
  }

  /** Takes out the edits that match; returns them, to put back with {@link #restore}. */
  List<Edit> remove(Predicate<Edit> which) {
    List<Edit> before = List.copyOf(edits);
    edits.removeIf(which);
    return before;
  }

  void restore(List<Edit> saved) {
    edits.clear();
    edits.addAll(saved);
  }

  List<String> changes() {
    return edits.stream().map(Edit::change).toList();
  }

  /** The apply configuration: identity only when there is no edit. */
  ObjectNode toApplyConfiguration() {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    patch.put("apiVersion", "apps/v1");
    patch.put("kind", "Deployment");
    ObjectNode meta = patch.putObject("metadata");
    meta.put("name", deployment.getMetadata().getName());
    if (deployment.getMetadata().getNamespace() != null) {
      meta.put("namespace", deployment.getMetadata().getNamespace());
    }
    if (edits.isEmpty()) {
      return patch;
    }
    ObjectNode podSpec = JsonNodeFactory.instance.objectNode();
    edits.stream().filter(e -> e.container() == null).forEach(e -> set(podSpec, e));
    ArrayNode containers = JsonNodeFactory.instance.arrayNode();
    for (String name : keyed) {
      List<Edit> own = edits.stream().filter(e -> name.equals(e.container())).toList();
      if (!own.isEmpty()) {
        ObjectNode c = containers.addObject().put("name", name);
        own.forEach(e -> set(c, e));
      }
    }
    if (!containers.isEmpty()) {
      podSpec.set("containers", containers);
    }
    patch.putObject("spec").putObject("template").set("spec", podSpec);
    return patch;
  }

  /** The Deployment as it would be after the API server merged the patch. */
  Deployment applied() {
    ObjectNode live = Json.MAPPER.valueToTree(deployment);
    return Json.MAPPER.convertValue(
        ApplyMerge.merge(live, toApplyConfiguration()), Deployment.class);
  }

  private static void set(ObjectNode root, Edit e) {
    ObjectNode node = root;
    for (int i = 0; i < e.path().size() - 1; i++) {
      JsonNode next = node.get(e.path().get(i));
      node = next instanceof ObjectNode o ? o : node.putObject(e.path().get(i));
    }
    node.set(e.path().get(e.path().size() - 1), e.value().deepCopy());
  }
}
