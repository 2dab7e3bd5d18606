package io.pyhygiene.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.policy.PolicyResolver;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.workload.WorkloadView;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Measurement probe for bench/peers/startup.py, not part of the product: what `pyhygiene audit -f
 * FILE -o json` would cost if the CLI parsed, mapped and audited documents on several threads
 * and/or mapped YAML straight onto the fabric8 model (no JsonNode tree in between). It uses the
 * CLI's own pieces (ManifestLoader's document splitter and parser, the engine, JsonReport) and
 * skips picocli and logging, as a CLI path built for start-up would. It lives in the CLI's
 * package (on the class path) to reach package-private helpers; it changes nothing in the jar.
 *
 * <p>Usage: {@code java -cp probe.jar:pyhygiene.jar io.pyhygiene.cli.ParallelAuditProbe FILE
 * THREADS tree|direct} (prints the JSON report on stdout). THREADS 1: a plain loop on the main
 * thread, as the CLI does it; more: a parallel stream (main thread plus THREADS-1 pool threads).
 */
public final class ParallelAuditProbe {

  private ParallelAuditProbe() {}

  private static final ObjectMapper DIRECT = YAMLMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    int threads = Integer.parseInt(args[1]);
    System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism",
        String.valueOf(Math.max(1, threads - 1)));
    boolean direct = args[2].equals("direct");
    List<Rule> rules = RuleCatalog.all();
    AuditPolicy policy = new PolicyResolver(rules).resolve("", null).policy();
    Clock clock = Clock.fixed(LocalDate.parse("2026-11-25").atStartOfDay().toInstant(ZoneOffset.UTC),
        ZoneOffset.UTC);
    Auditor auditor = new Auditor(rules, clock);
    String source = file.toString();
    List<ManifestLoader.Document> docs = ManifestLoader.splitDocuments(Files.readString(file));

    java.util.function.IntFunction<List<AuditRun.Audited>> one = i -> {
          List<AuditRun.Audited> out = new ArrayList<>(1);
          ManifestLoader.Document doc = docs.get(i);
          List<ManifestLoader.LoadedDeployment> loaded = new ArrayList<>(1);
          if (direct) {
            try {
              if (doc.text().contains("kind: \"Deployment\"") || doc.text().contains("kind: Deployment")) {
                loaded.add(new ManifestLoader.LoadedDeployment(source, i + 1, doc.startLine(),
                    DIRECT.readValue(doc.text(), Deployment.class)));
              }
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          } else {
            ManifestLoader.parseText(source, doc.text(), false, loaded, new ArrayList<>());
          }
          for (ManifestLoader.LoadedDeployment d : loaded) {
            out.add(new AuditRun.Audited(source, i + 1, d.line(),
                auditor.audit(WorkloadView.of(d.deployment()), policy)));
          }
          return out;
        };
    List<List<AuditRun.Audited>> perDoc;
    if (threads <= 1) { // on the main thread, as the CLI does it today
      perDoc = new ArrayList<>(docs.size());
      for (int i = 0; i < docs.size(); i++) {
        perDoc.add(one.apply(i));
      }
    } else {
      // The main thread works too (a parallel stream started on it runs tasks on it and on the
      // common pool): blocking it on a separate pool's get() cost as much CPU as the work itself
      // (measured: 11 s against 5 s of user CPU for 10,000 Deployments on one worker).
      perDoc = IntStream.range(0, docs.size()).parallel().mapToObj(one).toList();
    }
    List<AuditRun.Audited> audited = new ArrayList<>();
    perDoc.forEach(audited::addAll);
    PrintStream stdout = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out),
        false, StandardCharsets.UTF_8);
    stdout.print(JsonReport.render(new AuditRun(audited, List.of())));
    stdout.flush();
    System.exit(0);
  }
}
