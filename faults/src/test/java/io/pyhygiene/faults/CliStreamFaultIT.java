package io.pyhygiene.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.pyhygiene.json.Json;
import io.pyhygiene.testkit.Repository;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The CLI (the shipped jar, a separate JVM with a 256 MiB heap) auditing a 200 MiB YAML stream on
 * stdin: it must finish, count every Deployment, and keep its resident memory bounded.
 */
class CliStreamFaultIT {

  @RegisterExtension final Reliability report = new Reliability();

  static final int HEAP_MIB = 256;

  /** Heap plus what a JVM needs beside it (metaspace, code cache, threads, GC structures). */
  static final int RSS_BOUND_MIB = 512;

  static final long TIMEOUT_MINUTES = 15;

  @Test
  @DisplayName("the CLI on a 200 MiB YAML stream (stdin) with -Xmx256m: completes, bounded RSS")
  void auditsA200MiBStreamInBoundedMemory() throws Exception {
    long targetBytes = (long) Integer.getInteger("faults.streamMiB", 200) << 20;
    List<String> docs = new ArrayList<>();
    try (Stream<Path> files =
        Files.walk(Repository.root().resolve("core/src/test/resources/rules"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        for (String doc : Files.readString(f).split("(?m)^---\\s*$")) {
          JsonNode n = Json.YAML.readTree(doc);
          if (n != null && "Deployment".equals(n.path("kind").asText())) {
            docs.add(doc.strip());
          }
        }
      }
    }
    Path dir = Repository.root().resolve("faults/target/cli-stream");
    Files.createDirectories(dir);
    Path out = dir.resolve("report.json");
    Path err = dir.resolve("stderr.txt");
    List<String> cmd =
        Processes.javaJar(
            List.of("-Xmx" + HEAP_MIB + "m"),
            List.of("audit", "-f", "-", "-o", "json", "--fail-on", "never", "--now", "2026-11-25"));
    Process p =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    Processes.PeakRss rss = new Processes.PeakRss(p);
    rss.start();
    AtomicLong written = new AtomicLong();
    AtomicLong deployments = new AtomicLong();
    Thread feeder =
        new Thread(
            () -> {
              try (OutputStream o = new BufferedOutputStream(p.getOutputStream(), 1 << 16)) {
                int i = 0;
                while (written.get() < targetBytes) {
                  // Distinct names, so nothing can be deduplicated away.
                  String doc =
                      docs.get(i % docs.size()).replaceFirst("(?m)^(  name: )(\\S+)", "$1$2-" + i);
                  byte[] b = ("---\n" + doc + "\n").getBytes(StandardCharsets.UTF_8);
                  o.write(b);
                  written.addAndGet(b.length);
                  deployments.incrementAndGet();
                  i++;
                }
              } catch (IOException e) {
                // the CLI exited before reading everything: its exit code says why
              }
            },
            "yaml-feeder");
    long t0 = System.nanoTime();
    feeder.start();
    boolean finished = p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
    if (!finished) {
      p.destroyForcibly().waitFor();
    }
    feeder.join(10_000);
    rss.join(2_000);
    long seconds = (System.nanoTime() - t0) / 1_000_000_000;
    String stderr = firstLines(err, 2);
    report
        .injected(
            String.format(
                "%,d bytes of YAML (%,d Deployments from the rule fixtures, renamed)"
                    + " on the CLI's stdin: java -Xmx%dm -jar pyhygiene.jar audit -f - -o json.",
                written.get(), deployments.get(), HEAP_MIB))
        .figure("stream", (written.get() >> 20) + " MiB")
        .figure("Deployments", deployments.get())
        .figure("heap (-Xmx)", HEAP_MIB + " MiB")
        .figure("peak RSS (VmHWM)", rss.peakMib() + " MiB")
        .figure("RSS bound asserted", RSS_BOUND_MIB + " MiB")
        .figure("wall time", seconds + " s");
    assertThat(finished).as("the CLI finished within %d min", TIMEOUT_MINUTES).isTrue();
    report.figure("exit code", p.exitValue());
    report.observed(
        "exit " + p.exitValue() + (stderr.isBlank() ? "" : "; stderr begins: " + stderr));
    // --fail-on never: 0 is the only success (1 would claim findings, 2 input errors).
    assertThat(p.exitValue()).as("exit code (stderr: %s)", stderr).isZero();
    long audited = workloadsInSummary(out);
    report.figure("workloads in the report", audited);
    assertThat(audited)
        .as("every Deployment of the stream is in the report")
        .isEqualTo(deployments.get());
    assertThat(rss.peakMib()).as("peak RSS").isLessThanOrEqualTo(RSS_BOUND_MIB);
  }

  /** summary.workloads of a (possibly huge) JSON report, read as a stream. */
  private static long workloadsInSummary(Path report) throws IOException {
    try (JsonParser parser = Json.MAPPER.getFactory().createParser(report.toFile())) {
      boolean inSummary = false;
      for (JsonToken t = parser.nextToken(); t != null; t = parser.nextToken()) {
        if (t == JsonToken.FIELD_NAME && "summary".equals(parser.currentName())) {
          inSummary = true;
        } else if (inSummary
            && t == JsonToken.FIELD_NAME
            && "workloads".equals(parser.currentName())) {
          parser.nextToken();
          return parser.getLongValue();
        }
      }
    }
    return -1;
  }

  private static String firstLines(Path file, int lines) throws IOException {
    if (!Files.exists(file)) {
      return "";
    }
    try (Stream<String> s = Files.lines(file, StandardCharsets.UTF_8)) {
      return String.join(" ", s.limit(lines).map(String::strip).toList());
    }
  }
}
