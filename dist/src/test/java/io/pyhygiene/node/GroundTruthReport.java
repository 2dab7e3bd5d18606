package io.pyhygiene.node;

import io.pyhygiene.testkit.RealCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * docs/ground-truth.md, written by {@link ShutdownOnNodeE2E}: per case what the kubelet observed
 * when the old pod of a rolling update ended, next to what pyhygiene said before (static findings)
 * and after (runtime evidence). A row is added whether its assertions passed or not, and says
 * which.
 */
final class GroundTruthReport {

  record Row(
      String kase,
      String setup,
      String exit,
      String toExit,
      String request,
      String staticVerdict,
      String evidence,
      String agrees) {}

  private final List<Row> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  synchronized void add(Row row) {
    rows.add(row);
  }

  synchronized void note(String text) {
    notes.add(text);
  }

  synchronized void write() {
    if (rows.isEmpty()) {
      return;
    }
    StringBuilder md = new StringBuilder();
    md.append("# Ground truth on a real node\n\n")
        .append(
            "Written by `ShutdownOnNodeE2E` (`make node-e2e`, part of `make test`); do not edit by hand.\n")
        .append("Last run: ")
        .append(Instant.now().truncatedTo(ChronoUnit.SECONDS))
        .append(", kubelet ")
        .append(System.getProperty("pyhygiene.k8sVersion", "v1.37.2"))
        .append(
            " + containerd v2.4.2 + runc v1.5.3 on cgroup v1, the operator installed by its chart.\n\n")
        .append(
            "Each case is a Deployment on the node's example images; a `GET /slow` request goes straight to\n")
        .append(
            "the old pod, then a rolling update (an env value changes) replaces the pod. *exit* and\n")
        .append(
            "*deletion → exit* are the kubelet's record of the old container (`state.terminated`; the\n")
        .append(
            "deletion time is `deletionTimestamp − deletionGracePeriodSeconds`, both with 1 s resolution).\n")
        .append(
            "*before* is pyhygiene's static verdict on the manifest, *after* the runtime evidence the\n")
        .append(
            "operator then published (annotation `pyhygiene.io/findings`, the namespace's PolicyReport,\n")
        .append(
            "and its counter as the e2e Prometheus scraped it). A case fails when the two disagree.\n\n")
        .append(
            "| case | setup | exit (reason) | deletion → exit | in-flight request | before (static) | after (runtime evidence) | agree |\n")
        .append("|---|---|---|---|---|---|---|---|\n");
    // A run of some cases (-Dit.test=ShutdownOnNodeE2E#...) keeps the other cases' rows.
    java.util.TreeMap<String, String> lines = new java.util.TreeMap<>(previousRows());
    for (Row r : rows) {
      lines.put(
          caseNumber(r.kase()),
          "| "
              + String.join(
                  " | ",
                  esc(r.kase()),
                  esc(r.setup()),
                  esc(r.exit()),
                  esc(r.toExit()),
                  esc(r.request()),
                  esc(r.staticVerdict()),
                  esc(r.evidence()),
                  esc(r.agrees()))
              + " |");
    }
    lines.values().forEach(l -> md.append(l).append('\n'));
    if (!notes.isEmpty()) {
      md.append("\n## Observations\n\n");
      for (String n : notes) {
        md.append("- ").append(n).append('\n');
      }
    }
    Path out = RealCluster.repoRoot().resolve("docs/ground-truth.md");
    try {
      Files.writeString(out, md.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String caseNumber(String kase) {
    return kase.substring(0, kase.indexOf('.') + 1);
  }

  /** The table rows of the file as it is, by case number ("1.", "2.", ...). */
  private static java.util.Map<String, String> previousRows() {
    Path file = RealCluster.repoRoot().resolve("docs/ground-truth.md");
    java.util.Map<String, String> out = new java.util.HashMap<>();
    try {
      if (Files.exists(file)) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          if (line.matches("^\\| [0-9]+\\. .*")) {
            out.put(line.substring(2, line.indexOf('.') + 1), line);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static String esc(String s) {
    return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
  }
}
