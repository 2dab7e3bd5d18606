package io.pyhygiene.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.engine.WorkloadAudit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code -o sarif} report: SARIF 2.1.0, one reportingDescriptor per rule (with help text), one
 * result per finding located at the line where the workload's document starts (a workload read from
 * a cluster has a logical location only), and input errors and unreadable parts of a cluster as
 * tool execution notifications. With image resolution, a result's {@code properties} carry the
 * container's image and the digest its verdict used.
 */
public final class SarifReport {

  static final String SCHEMA =
      "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
  private static final ObjectMapper MAPPER = io.pyhygiene.json.Json.MAPPER;

  private SarifReport() {}

  public static String render(AuditRun run, List<Rule> rules, String version) {
    return Rendered.text(out -> render(run, rules, version, out));
  }

  /**
   * Writes the report as it goes, one workload's results at a time, as {@link #render(AuditRun,
   * List, String)} would lay it out.
   */
  public static void render(AuditRun run, List<Rule> rules, String version, java.io.Writer out)
      throws java.io.IOException {
    JsonGenerator g = io.pyhygiene.json.Json.PRETTY.createGenerator(out);
    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    g.writeStartObject();
    g.writeStringField("$schema", SCHEMA);
    g.writeStringField("version", "2.1.0");
    g.writeArrayFieldStart("runs");
    g.writeStartObject();
    ObjectNode tool = MAPPER.createObjectNode();
    ObjectNode driver = tool.putObject("driver");
    driver.put("name", "pyhygiene");
    driver.put("version", version);
    ArrayNode descriptors = driver.putArray("rules");
    Map<String, Integer> index = new HashMap<>();
    for (Rule r : rules) {
      RuleInfo i = r.info();
      index.put(i.id(), index.size());
      ObjectNode d = descriptors.addObject();
      d.put("id", i.id());
      d.put("name", camel(i.id()));
      d.putObject("shortDescription").put("text", i.title());
      d.putObject("fullDescription").put("text", i.why());
      ObjectNode help = d.putObject("help");
      help.put("text", i.fix());
      help.put("markdown", "**Why.** " + i.why() + "\n\n**Fix.** " + i.fix());
      d.putObject("defaultConfiguration").put("level", level(i.severity()));
      ObjectNode props = d.putObject("properties");
      props.putArray("tags").add(i.category().label()).add("python");
      props.put("autoFixable", r.autoFixable());
    }
    g.writeFieldName("tool");
    g.writeTree(tool);
    g.writeArrayFieldStart("results");
    for (AuditRun.Audited w : run.workloads()) {
      WorkloadAudit a = w.audit();
      for (Finding f : a.findings()) {
        ObjectNode r = MAPPER.createObjectNode();
        r.put("ruleId", f.rule());
        Integer ruleIndex = index.get(f.rule());
        if (ruleIndex != null) {
          r.put("ruleIndex", ruleIndex);
        }
        r.put("level", level(f.severity()));
        String where =
            a.kind()
                + " "
                + AuditRun.namespaceOf(a)
                + "/"
                + a.name()
                + (f.container().isEmpty() ? "" : " container " + f.container());
        r.putObject("message").put("text", where + ": " + f.message() + " Fix: " + f.fix());
        ObjectNode loc = r.putArray("locations").addObject();
        if (w.fromFile()) {
          ObjectNode physical = loc.putObject("physicalLocation");
          physical.putObject("artifactLocation").put("uri", uri(w.source()));
          physical.putObject("region").put("startLine", Math.max(1, w.line()));
        }
        loc.putArray("logicalLocations")
            .addObject()
            .put(
                "fullyQualifiedName",
                AuditRun.namespaceOf(a)
                    + "/"
                    + a.name()
                    + (f.container().isEmpty() ? "" : "/" + f.container()))
            .put("kind", "resource");
        if (run.imagesRequested() && !f.container().isEmpty()) {
          w.image(f.container())
              .ifPresent(
                  i -> {
                    ObjectNode props = r.putObject("properties");
                    props.put("image", i.image());
                    if (i.digest().isPresent()) {
                      props.put("digest", i.digest().get());
                    } else {
                      props.putNull("digest");
                    }
                  });
        }
        r.putObject("partialFingerprints")
            .put(
                "pyhygiene/v1",
                f.rule() + ":" + AuditRun.namespaceOf(a) + "/" + a.name() + ":" + f.container());
        g.writeTree(r);
      }
    }
    g.writeEndArray();
    ArrayNode invocations = MAPPER.createArrayNode();
    ObjectNode invocation = invocations.addObject();
    invocation.put("executionSuccessful", !run.incomplete());
    ArrayNode notifications = invocation.putArray("toolExecutionNotifications");
    for (ManifestLoader.InputError e : run.errors()) {
      ObjectNode n = notifications.addObject();
      n.put("level", "error");
      n.putObject("message").put("text", "document " + e.document() + ": " + e.message());
      n.putArray("locations")
          .addObject()
          .putObject("physicalLocation")
          .putObject("artifactLocation")
          .put("uri", uri(e.source()));
    }
    for (AuditRun.ReadError e : run.readErrors()) {
      ObjectNode n = notifications.addObject();
      n.put("level", "error");
      n.putObject("message").put("text", e.describe());
    }
    g.writeFieldName("invocations");
    g.writeTree(invocations);
    g.writeEndObject();
    g.writeEndArray();
    g.writeEndObject();
    g.close();
    out.write("\n");
  }

  static String level(Severity s) {
    return switch (s) {
      case ERROR -> "error";
      case WARNING -> "warning";
      case INFO -> "note";
    };
  }

  private static String uri(String source) {
    return source.equals("<stdin>") ? "stdin" : source.replace('\\', '/').replace(" ", "%20");
  }

  private static String camel(String id) {
    StringBuilder sb = new StringBuilder();
    boolean upper = true;
    for (char c : id.toCharArray()) {
      if (c == '-') {
        upper = true;
      } else {
        sb.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return sb.toString();
  }
}
