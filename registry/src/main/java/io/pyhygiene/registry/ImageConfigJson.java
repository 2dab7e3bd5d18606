package io.pyhygiene.registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an image config blob (OCI image config / Docker image JSON). Jib's own config template has
 * no StopSignal and keeps its getters package-private, so the blob is read here with Jackson.
 */
final class ImageConfigJson {

  private static final com.fasterxml.jackson.databind.ObjectReader JSON = RegistryJson.READER;

  /** The fields the resolver keeps, before digests and reference are attached. */
  record Parsed(
      Platform platform,
      List<String> entrypoint,
      List<String> cmd,
      String user,
      List<String> env,
      String workingDir,
      String stopSignal,
      Map<String, String> labels) {}

  private ImageConfigJson() {}

  static Parsed parse(byte[] blob) throws IOException {
    JsonNode root = JSON.readTree(blob);
    if (root == null || !root.isObject()) {
      throw new IOException("image config is not a JSON object");
    }
    Platform platform =
        new Platform(
            root.path("os").asText(""),
            root.path("architecture").asText(""),
            root.path("variant").asText(""));
    JsonNode c = root.path("config");
    return new Parsed(
        platform,
        strings(c.get("Entrypoint")),
        strings(c.get("Cmd")),
        c.path("User").asText(""),
        strings(c.get("Env")),
        c.path("WorkingDir").asText(""),
        c.path("StopSignal").asText(""),
        labels(c.get("Labels")));
  }

  /** A JSON array of strings; a bare string is one element, as Docker's StrSlice reads it. */
  private static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (node.isTextual()) {
      out.add(node.asText());
      return out;
    }
    if (node.isArray()) {
      node.forEach(n -> out.add(n.isNull() ? "" : n.asText()));
    }
    return out;
  }

  private static Map<String, String> labels(JsonNode node) {
    Map<String, String> out = new LinkedHashMap<>();
    if (node != null && node.isObject()) {
      node.properties()
          .forEach(e -> out.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText()));
    }
    return out;
  }
}
