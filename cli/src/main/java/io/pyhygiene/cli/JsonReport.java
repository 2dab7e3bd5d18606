package io.pyhygiene.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.Verdict;
import io.pyhygiene.engine.WorkloadAudit;

/**
 * The {@code -o json} report: DESIGN's schema (version "1"). Additions that leave it readable by a
 * consumer of version 1: with {@code --resolve-images}, each workload's {@code images} (container,
 * reference, state, digest used or why not) and a {@code digest} on each container finding; for
 * {@code --cluster}, {@code errors} entries with {@code source: "cluster"}, the namespace and the
 * resources that could not be listed.
 */
public final class JsonReport {

  private static final ObjectMapper MAPPER = io.pyhygiene.json.Json.MAPPER;

  private JsonReport() {}

  public static String render(AuditRun run) {
    return Rendered.text(out -> render(run, out));
  }

  /**
   * Writes the report as it goes: one workload at a time, as {@link #render(AuditRun)} would lay it
   * out, so a large run's report is never held whole.
   */
  public static void render(AuditRun run, java.io.Writer out) throws java.io.IOException {
    JsonGenerator g = io.pyhygiene.json.Json.PRETTY.createGenerator(out);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    g.writeStartObject();
    g.writeStringField("version", "1");
    ObjectNode summary = MAPPER.createObjectNode();
    summary.put("workloads", run.workloads().size());
    summary.put("python", run.python());
    summary.put("pass", run.count(Verdict.PASS));
    summary.put("warn", run.count(Verdict.WARN));
    summary.put("fail", run.count(Verdict.FAIL));
    g.writeFieldName("summary");
    g.writeTree(summary);
    g.writeArrayFieldStart("workloads");
    for (AuditRun.Audited w : run.workloads()) {
      WorkloadAudit a = w.audit();
      ObjectNode n = MAPPER.createObjectNode();
      n.put(
          "apiVersion",
          io.pyhygiene.workload.WorkloadKind.of(a.kind())
              .map(io.pyhygiene.workload.WorkloadKind::apiVersion)
              .orElse(""));
      n.put("kind", a.kind());
      n.put("namespace", AuditRun.namespaceOf(a));
      n.put("name", a.name());
      n.put("python", a.python());
      n.put("verdict", a.verdict().label());
      if (run.imagesRequested()) {
        ArrayNode images = n.putArray("images");
        for (AuditRun.Image i : w.images()) {
          ObjectNode in = images.addObject();
          in.put("container", i.container());
          in.put("image", i.image());
          in.put("state", i.facts().state().name().toLowerCase(java.util.Locale.ROOT));
          putNullable(in, "digest", i.digest().orElse(null));
          if (!i.facts().reason().isEmpty()) {
            in.put("reason", i.facts().reason());
          }
        }
      }
      ArrayNode findings = n.putArray("findings");
      for (Finding f : a.findings()) {
        ObjectNode fn = findings.addObject();
        fn.put("rule", f.rule());
        fn.put("severity", f.severity().label());
        if (f.container().isEmpty()) {
          fn.putNull("container");
        } else {
          fn.put("container", f.container());
        }
        fn.put("message", f.message());
        fn.put("fix", f.fix());
        if (f.conditional()) {
          fn.put("assumption", f.assumption());
        }
        if (run.imagesRequested() && !f.container().isEmpty()) {
          putNullable(
              fn, "digest", w.image(f.container()).flatMap(AuditRun.Image::digest).orElse(null));
        }
      }
      g.writeTree(n);
    }
    g.writeEndArray();
    ArrayNode errors = MAPPER.createArrayNode();
    for (ManifestLoader.InputError e : run.errors()) {
      ObjectNode en = errors.addObject();
      en.put("source", e.source());
      en.put("document", e.document());
      en.put("message", e.message());
    }
    for (AuditRun.ReadError e : run.readErrors()) {
      ObjectNode en = errors.addObject();
      en.put("source", "cluster");
      en.put("document", 0);
      putNullable(en, "namespace", e.namespace().isEmpty() ? null : e.namespace());
      ArrayNode resources = en.putArray("resources");
      e.resources().forEach(resources::add);
      en.put("status", e.status());
      en.put("message", e.message());
    }
    g.writeFieldName("errors");
    g.writeTree(errors);
    g.writeEndObject();
    g.close();
    out.write("\n");
  }

  private static void putNullable(ObjectNode node, String field, String value) {
    if (value == null) {
      node.putNull(field);
    } else {
      node.put(field, value);
    }
  }
}
