package io.pyhygiene.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Mutates real manifests (the rule fixtures) into hostile ones: fields removed, values replaced by
 * junk of the wrong type, arrays blown up, deep nesting, binary strings, and secret env literals
 * carrying a sentinel value. Deterministic for a seed, so a failing mutant is reproduced from the
 * seed the test prints.
 */
final class SpecMutator {

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /** Names that the plaintext-secret-env rule treats as secrets. */
  static final List<String> SECRET_NAMES =
      List.of(
          "DB_PASSWORD",
          "GITHUB_TOKEN",
          "API_KEY",
          "AWS_SECRET_ACCESS_KEY",
          "stripe.secret",
          "OAUTH_CREDENTIALS",
          "my_passwd");

  /** Sentinel values start with this; no finding, report or log may ever contain one. */
  static final String SENTINEL_PREFIX = "SENTINELzq";

  private static final List<String> JUNK =
      List.of(
          "",
          " ",
          "\u0000",
          "\uD800",
          "\uDFFF\uD800",
          "\uFFFF",
          "日本語",
          "\uD83D\uDE00",
          "$(rm -rf /)",
          "sh",
          "-c",
          "exec",
          "python3",
          "gunicorn",
          "uvicorn --reload",
          "sh -c 'python app.py'",
          "bash -c \"x; y\"",
          "&&",
          "|",
          "'",
          "\"",
          "\\",
          "<<EOF",
          "99999999999999999999999999",
          "-1",
          "-9223372036854775808",
          "1e308",
          "NaN",
          "0x7fffffff",
          "128Mi",
          "-128Mi",
          "1Ei",
          "9999999Ei",
          "0.0000001Ki",
          "latest",
          "python:3.9-alpine",
          "registry:5000/app",
          "@sha256:",
          "RuntimeDefault",
          "ALL",
          "pyhygiene.io/runtime",
          "python",
          "true",
          "null",
          "~",
          "---",
          "...",
          ": : :",
          "{",
          "[");

  private final SplittableRandom random;
  private int sentinels;

  SpecMutator(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /** Sentinel values injected so far (each mutant gets fresh ones). */
  List<String> sentinelsSince(int from) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < sentinels; i++) {
      out.add(SENTINEL_PREFIX + i);
    }
    return out;
  }

  int sentinelCount() {
    return sentinels;
  }

  /** A mutated deep copy of {@code seed} (1 to 4 mutations). */
  JsonNode mutate(JsonNode seed) {
    JsonNode root = seed.deepCopy();
    int n = 1 + random.nextInt(4);
    for (int i = 0; i < n; i++) {
      root = mutateOnce(root);
    }
    return root;
  }

  private JsonNode mutateOnce(JsonNode root) {
    int op = random.nextInt(100);
    if (op < 12) {
      injectSecret(root);
      return root;
    }
    List<Slot> slots = new ArrayList<>();
    collect(root, slots, 0);
    if (slots.isEmpty()) {
      return root;
    }
    Slot s = slots.get(random.nextInt(slots.size()));
    JsonNode v = s.get();
    if (op < 55) {
      // Same JSON type, hostile value: what a Deployment that reads can carry.
      if (v.isTextual()) {
        s.set(
            F.textNode(
                random.nextInt(15) == 0
                    ? binary(1 + random.nextInt(random.nextInt(50) == 0 ? 20_000 : 300))
                    : junkString()));
      } else if (v.isIntegralNumber()) {
        s.set(
            F.numberNode(
                switch (random.nextInt(5)) {
                  case 0 -> Long.MIN_VALUE;
                  case 1 -> Long.MAX_VALUE;
                  case 2 -> -1L;
                  case 3 -> 0L;
                  default -> random.nextLong();
                }));
      } else if (v.isBoolean()) {
        s.set(F.booleanNode(!v.booleanValue()));
      } else if (v.isArray() && !v.isEmpty()) {
        // duplicated elements (containers, env, args), now and then hundreds of them
        ArrayNode a = (ArrayNode) v;
        int copies = 1 + random.nextInt(random.nextInt(20) == 0 ? 200 : 6);
        JsonNode e = a.get(random.nextInt(a.size()));
        for (int i = 0; i < copies; i++) {
          a.add(e.deepCopy());
        }
      } else if (v.isObject()) {
        ((ObjectNode) v).put(junkString(), junkString());
      }
    } else if (op < 75) {
      s.remove();
    } else if (op < 85) {
      s.set(junkScalar());
    } else if (op < 90) {
      s.set(random.nextBoolean() ? F.objectNode() : F.arrayNode());
    } else if (op < 95) {
      if (v.isObject()) {
        ((ObjectNode) v).set(junkString(), junkScalar());
      } else if (v.isArray()) {
        ((ArrayNode) v).add(junkScalar());
      }
    } else {
      s.set(deep(50 + random.nextInt(400)));
    }
    return root;
  }

  /** Adds a secret-named env literal with a fresh sentinel value to some container. */
  private void injectSecret(JsonNode root) {
    JsonNode containers = root.path("spec").path("template").path("spec").path("containers");
    if (!containers.isArray() || containers.isEmpty()) {
      return;
    }
    JsonNode c = containers.get(random.nextInt(containers.size()));
    if (!c.isObject()) {
      return;
    }
    JsonNode env = c.get("env");
    if (env == null || !env.isArray()) {
      env = ((ObjectNode) c).putArray("env");
    }
    String value = SENTINEL_PREFIX + sentinels++;
    ObjectNode var = ((ArrayNode) env).addObject();
    var.put("name", SECRET_NAMES.get(random.nextInt(SECRET_NAMES.size())));
    var.put(
        "value",
        switch (random.nextInt(3)) {
          case 0 -> value;
          case 1 -> "postgres://app:" + value + "@db.internal:5432/app";
          default -> "-----BEGIN PRIVATE KEY-----\n" + value + "\n-----END PRIVATE KEY-----";
        });
  }

  private JsonNode junkScalar() {
    return switch (random.nextInt(6)) {
      case 0 -> F.nullNode();
      case 1 -> F.booleanNode(random.nextBoolean());
      case 2 -> F.numberNode(random.nextInt());
      case 3 -> F.numberNode(random.nextDouble() * 1e300);
      default -> F.textNode(junkString());
    };
  }

  private String junkString() {
    if (random.nextInt(4) == 0) {
      return binary(1 + random.nextInt(64));
    }
    return JUNK.get(random.nextInt(JUNK.size()));
  }

  /** Any UTF-16 code units, lone surrogates and control characters included. */
  String binary(int length) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append((char) random.nextInt(0x10000));
    }
    return b.toString();
  }

  private JsonNode deep(int depth) {
    JsonNode n = F.textNode("bottom");
    for (int i = 0; i < depth; i++) {
      if (random.nextBoolean()) {
        ObjectNode o = F.objectNode();
        o.set("x", n);
        n = o;
      } else {
        n = F.arrayNode().add(n);
      }
    }
    return n;
  }

  /** A place in the tree: a field of an object or an element of an array. */
  private record Slot(JsonNode parent, String field, int index) {
    JsonNode get() {
      return parent.isObject() ? parent.get(field) : parent.get(index);
    }

    void set(JsonNode value) {
      if (parent instanceof ObjectNode o) {
        o.set(field, value);
      } else {
        ((ArrayNode) parent).set(index, value);
      }
    }

    void remove() {
      if (parent instanceof ObjectNode o) {
        o.remove(field);
      } else {
        ((ArrayNode) parent).remove(index);
      }
    }
  }

  private static void collect(JsonNode node, List<Slot> out, int depth) {
    if (depth > 30 || out.size() > 5_000) {
      return;
    }
    if (node.isObject()) {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        out.add(new Slot(node, f, -1));
        collect(node.get(f), out, depth + 1);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        out.add(new Slot(node, null, i));
        collect(node.get(i), out, depth + 1);
      }
    }
  }
}
