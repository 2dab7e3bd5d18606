package io.pyhygiene.cli;

import io.pyhygiene.Versions;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.policy.PolicyResolver;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.workload.Observations;
import io.pyhygiene.workload.WorkloadContext;
import io.pyhygiene.workload.WorkloadView;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pyhygiene audit}: the offline audit of manifest files, for CI pipelines. */
@Command(name = "audit", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Audit Deployments in manifest files against the Python hygiene rules.",
        "",
        "Reads YAML (multi-document) and JSON files, directories (recursively: *.yaml, *.yml,"
            + " *.json) and stdin (-). `kind: List` is expanded; kinds other than Deployment are"
            + " skipped. A malformed document never stops the run: every readable document is"
            + " audited and each bad one is named."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:no finding at or above --fail-on",
        "1:findings at or above --fail-on",
        "2:usage or input errors (every readable document is still audited)"},
    footer = {"", "Examples:",
        "  pyhygiene audit -f deploy/ -o sarif > pyhygiene.sarif",
        "  helm template chart/ | pyhygiene audit -f - --fail-on warning",
        "  pyhygiene audit -f k8s.yaml --policy policy.yaml --now 2026-11-25"})
public final class AuditCommand implements Callable<Integer> {

  enum Format { text, table, json, sarif }

  enum FailOn { error, warning, never }

  @Option(names = {"-f", "--file"}, required = true, paramLabel = "PATH",
      description = "A manifest file, a directory, or - for stdin. Repeatable.")
  List<String> paths;

  @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
      description = "text (grouped by workload), table (one line per workload), json or sarif"
          + " (default: ${DEFAULT-VALUE}).")
  Format format;

  @Option(names = "--policy", paramLabel = "FILE",
      description = "A PythonHygienePolicy manifest whose rules, parameters and exemptions apply"
          + " (default: the built-in defaults, as a policy with an empty spec).")
  Path policyFile;

  @Option(names = "--fail-on", defaultValue = "error", paramLabel = "LEVEL",
      description = "Exit 1 when a finding is at or above: error, warning or never"
          + " (default: ${DEFAULT-VALUE}).")
  FailOn failOn;

  @Option(names = "--now", paramLabel = "DATE",
      description = "The date rules such as python-eol judge by, e.g. 2026-11-25 (default: today,"
          + " UTC). Pin it in CI to make results reproducible.")
  LocalDate now;

  @Option(names = "--no-color", description = "Never colour text output (colour is used only on"
      + " a terminal, and never when NO_COLOR is set).")
  boolean noColor;

  @Spec
  CommandSpec spec;

  private final InputStream stdin;
  private final Map<String, String> environment;
  private final boolean terminal;

  public AuditCommand(InputStream stdin, Map<String, String> environment, boolean terminal) {
    this.stdin = stdin;
    this.environment = environment;
    this.terminal = terminal;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Rule> rules = RuleCatalog.all();
    AuditPolicy policy;
    try {
      policy = loadPolicy(rules);
    } catch (PolicyException e) {
      err.println("pyhygiene: " + e.getMessage());
      err.flush();
      return 2;
    }
    Clock clock = now == null ? Clock.systemUTC()
        : Clock.fixed(now.atStartOfDay().toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
    Auditor auditor = new Auditor(rules, clock);

    ManifestLoader.Result loaded = new ManifestLoader(stdin, msg -> {
      if (terminal) {
        err.println(msg);
        err.flush();
      }
    }).load(paths);
    // Services in the input decide which containers serve; with none, ports are taken as
    // serving and findings say so.
    WorkloadContext context = new WorkloadContext(
        loaded.services().isEmpty() ? Optional.empty() : Optional.of(loaded.services()),
        loaded.configMaps(), Map.of(), Observations.NONE);
    List<AuditRun.Audited> audited = new ArrayList<>();
    for (ManifestLoader.LoadedWorkload w : loaded.workloads()) {
      WorkloadView view = WorkloadView.of(w.workload(), context).orElseThrow();
      audited.add(new AuditRun.Audited(w.source(), w.document(), w.line(),
          auditor.audit(view, policy)));
    }
    AuditRun run = new AuditRun(audited, loaded.errors());
    switch (format) {
      case json -> out.print(JsonReport.render(run));
      case sarif -> out.print(SarifReport.render(run, rules, Versions.current()));
      case table -> out.print(TableReport.render(run));
      default -> out.print(new TextReport(useColour()).render(run));
    }
    out.flush();
    if (loaded.files() == 0 && loaded.errors().isEmpty()) {
      err.println("pyhygiene: no *.yaml, *.yml or *.json files found in " + String.join(", ", paths));
      err.flush();
    }
    if (!run.errors().isEmpty()) {
      return 2;
    }
    Severity threshold = switch (failOn) {
      case error -> Severity.ERROR;
      case warning -> Severity.WARNING;
      case never -> null;
    };
    return run.anyAtLeast(threshold) ? 1 : 0;
  }

  private boolean useColour() {
    return terminal && !noColor && !environment.containsKey("NO_COLOR")
        && !"dumb".equals(environment.get("TERM")) && format == Format.text;
  }

  static final class PolicyException extends Exception {
    PolicyException(String message) {
      super(message);
    }
  }

  private AuditPolicy loadPolicy(List<Rule> rules) throws PolicyException {
    PolicyResolver resolver = new PolicyResolver(rules);
    if (policyFile == null) {
      return resolver.resolve("", null).policy();
    }
    if (!Files.isRegularFile(policyFile)) {
      throw new PolicyException(policyFile + ": no such file");
    }
    JsonNode node;
    try {
      node = ManifestLoader.readSingle(policyFile);
    } catch (IOException e) {
      throw new PolicyException(policyFile + ": " + e.getMessage().replaceAll("\\s+", " "));
    }
    if (!"PythonHygienePolicy".equals(node.path("kind").asText())
        || !"pyhygiene.io/v1alpha1".equals(node.path("apiVersion").asText())) {
      throw new PolicyException(policyFile + ": expected apiVersion pyhygiene.io/v1alpha1,"
          + " kind PythonHygienePolicy");
    }
    PythonHygienePolicy p;
    try {
      p = STRICT.treeToValue(node, PythonHygienePolicy.class);
    } catch (JsonMappingException e) {
      throw new PolicyException(policyFile + ": " + ManifestLoader.fieldPath(e) + ": "
          + (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException
              ? "unknown field" : ManifestLoader.mappingProblem(e)));
    } catch (IOException e) {
      throw new PolicyException(policyFile + ": " + e.getMessage());
    }
    String name = p.getMetadata() == null ? "" : p.getMetadata().getName();
    PolicyResolver.Result result = resolver.resolve(name, p.getSpec());
    if (!result.valid()) {
      throw new PolicyException(policyFile + ": invalid policy: " + String.join("; ", result.errors()));
    }
    return result.policy();
  }

  /** Policies are read strictly: a misspelt field is an error, not silently ignored. */
  private static final ObjectMapper STRICT = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();
}
