package io.pyhygiene.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The one configured Jackson setup of the project. Every module converts fabric8 objects, reads
 * manifests and writes reports through these, so the same input always maps the same way. Jackson
 * mappers are thread-safe once configured; none of these is reconfigured after construction.
 */
public final class Json {

  private Json() {}

  /** JSON and tree conversion (fabric8 model objects to and from {@code JsonNode}). */
  public static final ObjectMapper MAPPER = JsonMapper.builder().build();

  /** YAML, for manifests and fixtures. */
  public static final ObjectMapper YAML = YAMLMapper.builder().build();

  /** Indented JSON for what people read (reports, {@code rules -o json}). */
  public static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();
}
