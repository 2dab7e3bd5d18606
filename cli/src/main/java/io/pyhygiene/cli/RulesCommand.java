package io.pyhygiene.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.rules.RulesMarkdown;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pyhygiene rules}: the catalogue. */
@Command(
    name = "rules",
    mixinStandardHelpOptions = true,
    description =
        "List the rule catalogue: id, severity, category, what each rule catches, why"
            + " it matters and how to fix it.")
public final class RulesCommand implements Callable<Integer> {

  enum Format {
    text,
    markdown,
    json
  }

  @Option(
      names = {"-o", "--output"},
      defaultValue = "text",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Format format;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    List<Rule> rules = RuleCatalog.all();
    PrintWriter out = spec.commandLine().getOut();
    switch (format) {
      case markdown -> out.print(RulesMarkdown.render(rules));
      case json -> out.print(json(rules));
      default -> {
        for (Rule r : rules) {
          RuleInfo i = r.info();
          out.printf(
              "%-28s %-8s %-10s %s%n",
              i.id(), i.severity().label(), i.category().label(), i.title());
        }
      }
    }
    out.flush();
    return 0;
  }

  static String json(List<Rule> rules) throws Exception {
    var mapper = io.pyhygiene.json.Json.MAPPER;
    ArrayNode arr = mapper.createArrayNode();
    for (Rule r : rules) {
      RuleInfo i = r.info();
      ObjectNode n = arr.addObject();
      n.put("id", i.id());
      n.put("severity", i.severity().label());
      n.put("category", i.category().label());
      n.put("title", i.title());
      n.put("why", i.why());
      n.put("fix", i.fix());
      n.put("autoFixable", r.autoFixable());
      n.put("example", i.example());
    }
    return io.pyhygiene.json.Json.PRETTY.writeValueAsString(arr) + "\n";
  }
}
