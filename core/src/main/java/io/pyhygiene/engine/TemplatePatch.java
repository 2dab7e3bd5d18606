package io.pyhygiene.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.pyhygiene.json.Json;
import io.pyhygiene.ssa.ApplyMerge;
import io.pyhygiene.workload.PodTemplates;
import io.pyhygiene.workload.WorkloadKind;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The fields a remediation sets in a workload's pod template, as one sparse server-side-apply
 * configuration (containers keyed by name) at the template's path in the kind ({@link
 * PodTemplates#path}), and the workload as the API server would merge it.
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

  private final HasMetadata workload;
  private final WorkloadKind kind;
  private final List<String> templatePath;

  /** The live pod spec as JSON, what an edit is compared with (the workload never changes). */
  private final JsonNode liveSpec;

  /** Names of the containers the patch can address, in spec order. */
  private final Set<String> keyed = new LinkedHashSet<>();

  /** Whether some container has no name (the list then has no keys an apply could merge on). */
  private final boolean unnamedContainer;

  private final List<Edit> edits = new ArrayList<>();

  /**
   * @throws IllegalArgumentException for a kind remediation never patches ({@link
   *     WorkloadKind#remediable})
   */
  TemplatePatch(HasMetadata workload) {
    this.workload = workload;
    this.kind =
        WorkloadKind.of(workload)
            .filter(WorkloadKind::remediable)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "remediation does not patch a "
                            + HasMetadata.getKind(workload.getClass())));
    this.templatePath = PodTemplates.path(kind).orElseThrow();
    var spec = PodTemplates.of(workload).map(PodTemplateSpec::getSpec).orElse(null);
    this.liveSpec = Json.MAPPER.valueToTree(spec);
    // An apply merges containers by name only when every one has a name; otherwise the list is
    // atomic and a patch naming one container would replace them all (ApplyMerge): none is keyed.
    List<Container> containers =
        spec == null || spec.getContainers() == null ? List.of() : spec.getContainers();
    this.unnamedContainer =
        containers.stream()
            .anyMatch(c -> c == null || c.getName() == null || c.getName().isEmpty());
    if (!unnamedContainer) {
      containers.forEach(c -> keyed.add(c.getName()));
    }
  }

  /**
   * Whether a container can be addressed: every container has a name (see the constructor), and it
   * is the first of its name.
   */
  boolean addresses(String container) {
    return keyed.contains(container);
  }

  /** Why {@link #addresses} is false for a container. */
  String whyNotAddressed() {
    return unnamedContainer
        ? "a container in the pod has no name, so a patch keyed by name would replace them all"
        : "the container has no name to key the patch on";
  }

  /**
   * Adds an edit, unless the live template already holds that value: a fix that changes nothing is
   * no change (so a plan made on what a previous plan produced is empty, and a fix that cannot
   * clear its finding there is reported as not clearing it instead of being planned forever).
   */
  void add(String rule, String container, String path, Object value, String change) {
    List<String> fields = List.of(path.split("\\."));
    JsonNode v = Json.MAPPER.valueToTree(value);
    if (sameValue(current(container, fields), v)) {
      return;
    }
    edits.add(
        new Edit(
            rule,
            container,
            fields,
            v,
            (container == null ? "pod: " : "container " + container + ": ") + change));
  }

  /** The live template's value at the path (pod spec, or the named container's). */
  private JsonNode current(String container, List<String> fields) {
    JsonNode node = liveSpec;
    if (container != null) {
      JsonNode match = null;
      for (JsonNode c : node.path("containers")) {
        if (container.equals(c.path("name").asText(null))) {
          match = c;
          break;
        }
      }
      node = match;
    }
    for (String f : fields) {
      node = node == null ? null : node.get(f);
    }
    return node;
  }

  private static boolean sameValue(JsonNode live, JsonNode wanted) {
    if (live == null || live.isNull()) {
      return false;
    }
    if (live.isNumber() && wanted.isNumber()) {
      return live.decimalValue().compareTo(wanted.decimalValue()) == 0;
    }
    return live.equals(wanted);
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
    patch.put("apiVersion", kind.apiVersion());
    patch.put("kind", kind.kind());
    ObjectNode meta = patch.putObject("metadata");
    meta.put("name", workload.getMetadata().getName());
    if (workload.getMetadata().getNamespace() != null) {
      meta.put("namespace", workload.getMetadata().getNamespace());
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
    ObjectNode template = patch;
    for (String field : templatePath) {
      template = template.putObject(field);
    }
    template.set("spec", podSpec);
    return patch;
  }

  /** The workload as it would be after the API server merged the patch. */
  HasMetadata applied() {
    ObjectNode live = Json.MAPPER.valueToTree(workload);
    return Json.MAPPER.convertValue(
        ApplyMerge.merge(live, toApplyConfiguration()), workload.getClass());
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
