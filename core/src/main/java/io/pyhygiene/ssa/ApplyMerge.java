package io.pyhygiene.ssa;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Deep merge of two sparse server-side-apply configurations of a workload, as the API server would
 * combine them: maps merge field by field, lists that Kubernetes declares as list-maps ({@code
 * x-kubernetes-list-type: map}) merge item by item on their keys, every other list is atomic and
 * replaced, and scalars from the overlay win.
 *
 * <p>The list-map keys are those of the pod template, recognised by field name: containers,
 * initContainers, ephemeralContainers, env, volumes, imagePullSecrets and resourceClaims by {@code
 * name}; volumeMounts by {@code mountPath}; volumeDevices by {@code devicePath}; container ports by
 * {@code containerPort} and {@code protocol} (default {@code TCP}). A list whose items do not all
 * carry their key (a Service's {@code ports}, say) is treated as atomic.
 */
public final class ApplyMerge {

  private static final Map<String, List<String>> LIST_MAP_KEYS =
      Map.of(
          "containers", List.of("name"),
          "initContainers", List.of("name"),
          "ephemeralContainers", List.of("name"),
          "env", List.of("name"),
          "volumes", List.of("name"),
          "imagePullSecrets", List.of("name"),
          "resourceClaims", List.of("name"),
          "volumeMounts", List.of("mountPath"),
          "volumeDevices", List.of("devicePath"),
          "ports", List.of("containerPort", "protocol"));

  /** Key fields that the API server defaults, so an item without them still has a key. */
  private static final Map<String, String> KEY_DEFAULTS = Map.of("protocol", "TCP");

  private ApplyMerge() {}

  /** A new object: {@code overlay} merged onto {@code base}. Neither input is modified. */
  public static ObjectNode merge(ObjectNode base, ObjectNode overlay) {
    ObjectNode out = base == null ? JsonNodeFactory.instance.objectNode() : base.deepCopy();
    if (overlay != null) {
      mergeInto(out, overlay);
    }
    return out;
  }

  /** The key fields of a list-map field, if Kubernetes keys that list. */
  public static Optional<List<String>> listMapKeys(String fieldName) {
    return Optional.ofNullable(LIST_MAP_KEYS.get(fieldName));
  }

  private static void mergeInto(ObjectNode target, ObjectNode overlay) {
    for (Map.Entry<String, JsonNode> e : overlay.properties()) {
      String field = e.getKey();
      JsonNode over = e.getValue();
      JsonNode current = target.get(field);
      target.set(field, mergeValue(field, current, over));
    }
  }

  private static JsonNode mergeValue(String field, JsonNode current, JsonNode over) {
    if (current instanceof ObjectNode c && over instanceof ObjectNode o) {
      ObjectNode merged = c.deepCopy();
      mergeInto(merged, o);
      return merged;
    }
    if (current instanceof ArrayNode c && over instanceof ArrayNode o) {
      List<String> keys = LIST_MAP_KEYS.get(field);
      if (keys != null && allKeyed(c, keys) && allKeyed(o, keys)) {
        return mergeListMap(c, o, keys);
      }
    }
    return over.deepCopy();
  }

  private static ArrayNode mergeListMap(ArrayNode base, ArrayNode overlay, List<String> keys) {
    ArrayNode out = base.deepCopy();
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < out.size(); i++) {
      index.putIfAbsent(key(out.get(i), keys), i);
    }
    for (JsonNode item : overlay) {
      String k = key(item, keys);
      Integer at = index.get(k);
      if (at == null) {
        index.put(k, out.size());
        out.add(item.deepCopy());
      } else {
        ObjectNode merged = ((ObjectNode) out.get(at)).deepCopy();
        mergeInto(merged, (ObjectNode) item);
        out.set(at, merged);
      }
    }
    return out;
  }

  private static boolean allKeyed(ArrayNode list, List<String> keys) {
    for (JsonNode item : list) {
      if (!item.isObject()) {
        return false;
      }
      for (String k : keys) {
        JsonNode v = item.get(k);
        if ((v == null || v.isNull()) && !KEY_DEFAULTS.containsKey(k)) {
          return false;
        }
      }
    }
    return true;
  }

  /** A canonical string of the item's key values (numbers compared by value). */
  static String key(JsonNode item, List<String> keys) {
    StringBuilder sb = new StringBuilder();
    for (String k : keys) {
      JsonNode v = item.get(k);
      if (v == null || v.isNull()) {
        sb.append('"').append(KEY_DEFAULTS.getOrDefault(k, "")).append('"');
      } else if (v.isNumber()) {
        sb.append(v.decimalValue().stripTrailingZeros().toPlainString());
      } else {
        sb.append(v);
      }
      sb.append('\u0000');
    }
    return sb.toString();
  }
}
