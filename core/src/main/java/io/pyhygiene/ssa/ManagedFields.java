package io.pyhygiene.ssa;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the {@code metadata.managedFields} of a live object. Server-side apply treats each apply as
 * the field manager's complete intent: a field the manager applied before and leaves out now is
 * removed. So a manager that applies different fields at different times (labels now, a remediation
 * later) must re-send everything it owns; {@link #project} recovers that from the live object.
 *
 * <p>The {@code fieldsV1} format is a trie of path elements: {@code f:<name>} a field of a map or
 * struct, {@code k:<json>} the item of a list-map whose key fields equal the JSON object, {@code
 * v:<json>} the item of a set with that value, {@code i:<n>} the item at an index, and {@code .}
 * the node itself. An element with an empty object under it owns the whole value there.
 */
public final class ManagedFields {

  /** Immutable and thread-safe: only parses the small key objects of {@code k:} and {@code v:}. */
  private static final ObjectReader JSON = io.pyhygiene.json.Json.MAPPER.reader();

  private ManagedFields() {}

  /**
   * The sparse object holding exactly the fields that {@code fieldsV1} marks as owned, with their
   * live values; items of keyed lists carry their key fields. Fields owned but absent from the live
   * object are left out. Neither input is modified.
   */
  public static ObjectNode project(ObjectNode liveObject, JsonNode fieldsV1) {
    if (liveObject == null || fieldsV1 == null || !fieldsV1.isObject()) {
      return JsonNodeFactory.instance.objectNode();
    }
    return projectObject(liveObject, fieldsV1);
  }

  /**
   * Everything {@code manager} owns through apply operations on the object itself (not its
   * subresources), projected from {@code liveObject}'s own {@code metadata.managedFields}; an empty
   * object when the manager owns nothing.
   */
  public static ObjectNode appliedBy(ObjectNode liveObject, String manager) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    for (JsonNode fields : fieldsV1(liveObject, manager)) {
      out = ApplyMerge.merge(out, project(liveObject, fields));
    }
    return out;
  }

  /** The {@code fieldsV1} of every {@code Apply} entry of {@code manager} for the main resource. */
  public static List<JsonNode> fieldsV1(ObjectNode liveObject, String manager) {
    List<JsonNode> out = new ArrayList<>();
    JsonNode entries = liveObject == null ? null : liveObject.path("metadata").get("managedFields");
    if (entries == null || !entries.isArray()) {
      return out;
    }
    for (JsonNode e : entries) {
      boolean mine =
          manager.equals(e.path("manager").asText())
              && "Apply".equals(e.path("operation").asText())
              && e.path("subresource").asText("").isEmpty()
              && e.path("fieldsV1").isObject();
      if (mine) {
        out.add(e.get("fieldsV1"));
      }
    }
    return out;
  }

  private static ObjectNode projectObject(JsonNode live, JsonNode fields) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    for (Map.Entry<String, JsonNode> e : fields.properties()) {
      String element = e.getKey();
      if (!element.startsWith("f:")) {
        continue; // "." is the node itself; k:/v:/i: only appear under lists
      }
      String name = element.substring(2);
      JsonNode value = live.get(name);
      if (value == null) {
        continue;
      }
      out.set(name, projectValue(value, e.getValue()));
    }
    return out;
  }

  private static JsonNode projectValue(JsonNode live, JsonNode fields) {
    if (!hasChildren(fields)) {
      if (fields.has(".") && live.isObject()) {
        return JsonNodeFactory.instance.objectNode(); // the map itself, none of its entries
      }
      if (fields.has(".") && live.isArray()) {
        return JsonNodeFactory.instance.arrayNode();
      }
      return live.deepCopy(); // a leaf: the whole value (a scalar or an atomic list or map)
    }
    if (live.isObject()) {
      return projectObject(live, fields);
    }
    if (live.isArray()) {
      return projectList((ArrayNode) live, fields);
    }
    return live.deepCopy();
  }

  private static boolean hasChildren(JsonNode fields) {
    for (Map.Entry<String, JsonNode> e : fields.properties()) {
      if (!e.getKey().equals(".")) {
        return true;
      }
    }
    return false;
  }

  /** The owned items of a list, in live order. */
  private static ArrayNode projectList(ArrayNode live, JsonNode fields) {
    List<Map.Entry<JsonNode, JsonNode>> keyed = new ArrayList<>();
    List<JsonNode> values = new ArrayList<>();
    List<Map.Entry<Integer, JsonNode>> indexed = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : fields.properties()) {
      String element = e.getKey();
      if (element.startsWith("k:")) {
        JsonNode key = parse(element.substring(2));
        if (key != null && key.isObject()) {
          keyed.add(Map.entry(key, e.getValue()));
        }
      } else if (element.startsWith("v:")) {
        JsonNode value = parse(element.substring(2));
        if (value != null) {
          values.add(value);
        }
      } else if (element.startsWith("i:")) {
        try {
          indexed.add(Map.entry(Integer.parseInt(element.substring(2)), e.getValue()));
        } catch (NumberFormatException ignored) {
          // not an index: ignore the element, as the API server never writes one
        }
      }
    }
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (int i = 0; i < live.size(); i++) {
      JsonNode item = live.get(i);
      JsonNode projected = projectItem(item, i, keyed, values, indexed);
      if (projected != null) {
        out.add(projected);
      }
    }
    return out;
  }

  private static JsonNode projectItem(
      JsonNode item,
      int index,
      List<Map.Entry<JsonNode, JsonNode>> keyed,
      List<JsonNode> values,
      List<Map.Entry<Integer, JsonNode>> indexed) {
    if (item.isObject()) {
      for (Map.Entry<JsonNode, JsonNode> k : keyed) {
        if (matchesKey(item, k.getKey())) {
          ObjectNode out = JsonNodeFactory.instance.objectNode();
          for (Map.Entry<String, JsonNode> field : k.getKey().properties()) {
            JsonNode liveValue = item.get(field.getKey());
            out.set(field.getKey(), (liveValue != null ? liveValue : field.getValue()).deepCopy());
          }
          out.setAll(projectObject(item, k.getValue()));
          return out;
        }
      }
    }
    for (JsonNode v : values) {
      if (sameValue(item, v)) {
        return item.deepCopy();
      }
    }
    for (Map.Entry<Integer, JsonNode> e : indexed) {
      if (e.getKey() == index) {
        return projectValue(item, e.getValue());
      }
    }
    return null;
  }

  private static boolean matchesKey(JsonNode item, JsonNode key) {
    for (Map.Entry<String, JsonNode> field : key.properties()) {
      JsonNode v = item.get(field.getKey());
      if (v == null || !sameValue(v, field.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** JSON equality, with numbers compared by value ({@code 8080} and {@code 8080.0} are equal). */
  private static boolean sameValue(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue()) == 0;
    }
    return a.equals(b);
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      return null; // never written by the API server; such an element owns nothing we can find
    }
  }
}
