package io.pyhygiene.registry;

import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The module's one Jackson setup: it only reads JSON trees (image configs, Docker config files,
 * pull-secret payloads, registry error bodies). Kept here rather than shared with the engine so the
 * resolver stays a library of its own.
 */
final class RegistryJson {

  private RegistryJson() {}

  /** Reads JSON into trees; thread-safe and immutable. */
  static final ObjectReader READER = JsonMapper.builder().build().reader();
}
