package io.pyhygiene.operator.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyhygiene.json.Json;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/**
 * Digests of JSON that say whether two documents hold the same content: object keys sorted (the API
 * server returns fields in its own order) and integers compared by value, not by width. Used to
 * skip writes of unchanged reports and to recognise a pod template seen before.
 */
public final class CanonicalJson {

  private CanonicalJson() {}

  /** SHA-256 (hex) of the node with object keys sorted and integers normalised. */
  public static String digest(JsonNode node) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(Json.MAPPER.writeValueAsBytes(canonical(node))));
    } catch (NoSuchAlgorithmException | JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The digest of any object as Jackson maps it (a fabric8 model object, say). */
  public static String digestOf(Object value) {
    return digest(Json.MAPPER.valueToTree(value));
  }

  private static JsonNode canonical(JsonNode node) {
    if (node.isObject()) {
      ObjectNode sorted = Json.MAPPER.createObjectNode();
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      Collections.sort(names);
      for (String name : names) {
        sorted.set(name, canonical(node.get(name)));
      }
      return sorted;
    }
    if (node.isArray()) {
      ArrayNode array = Json.MAPPER.createArrayNode();
      node.forEach(n -> array.add(canonical(n)));
      return array;
    }
    if (node.isIntegralNumber()) {
      return Json.MAPPER.getNodeFactory().numberNode(node.bigIntegerValue());
    }
    return node;
  }
}
