package io.pyhygiene.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.json.Json;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Files and stdin are read as a stream and audited as they are read: the report must not depend on
 * where the Services and ConfigMaps are in the stream, nor on how many workloads it holds.
 */
class StreamingAuditTest {

  private static final Path ROOT = CorpusTest.ROOT;

  /** The CLI on {@code stdin} ({@code -f -}), in process. */
  static HelmTemplateIT.Result audit(String stdin, String... args) {
    return HelmTemplateIT.audit(stdin, args);
  }

  static boolean isContext(String doc) {
    return doc.contains("\nkind: Service") || doc.contains("\nkind: ConfigMap");
  }

  static String stream(List<String> docs) {
    StringBuilder sb = new StringBuilder();
    docs.forEach(d -> sb.append("---\n").append(d.strip()).append('\n'));
    return sb.toString();
  }

  @Test
  void servicesAndConfigMapsAfterTheirWorkloadsCountAsIfTheyCameFirst() throws IOException {
    List<String> docs = new ArrayList<>();
    try (Stream<Path> apps = Files.list(ROOT.resolve("corpus"))) {
      for (Path app : apps.sorted().toList()) {
        Path m = app.resolve("manifests.yaml");
        if (Files.isRegularFile(m)) {
          for (ManifestLoader.Document d : ManifestLoader.splitDocuments(Files.readString(m))) {
            docs.add("\n" + d.text());
          }
        }
      }
    }
    List<String> contextFirst = new ArrayList<>(docs.stream().filter(d -> isContext(d)).toList());
    contextFirst.addAll(docs.stream().filter(d -> !isContext(d)).toList());
    List<String> contextLast = new ArrayList<>(docs.stream().filter(d -> !isContext(d)).toList());
    contextLast.addAll(docs.stream().filter(d -> isContext(d)).toList());

    HelmTemplateIT.Result first = audit(stream(contextFirst), "-o", "json", "--fail-on", "never");
    HelmTemplateIT.Result asWritten = audit(stream(docs), "-o", "json", "--fail-on", "never");
    HelmTemplateIT.Result last = audit(stream(contextLast), "-o", "json", "--fail-on", "never");
    HelmTemplateIT.Result without =
        audit(
            stream(docs.stream().filter(d -> !isContext(d)).toList()),
            "-o",
            "json",
            "--fail-on",
            "never");
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(asWritten.out()).isEqualTo(first.out());
    assertThat(last.out()).isEqualTo(first.out());
    // The fixture is one where the context matters: without it the report differs.
    assertThat(without.out()).isNotEqualTo(first.out());
  }

  @Test
  void aServiceAfterManyBatchesOfWorkloadsStillDecidesWhatServes() throws IOException {
    List<String> deployments = new ArrayList<>();
    for (int i = 0; i < 1300; i++) {
      deployments.add(
          """
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: web-%d, namespace: shop}
          spec:
            selector: {matchLabels: {app: web-%d}}
            template:
              metadata: {labels: {app: web-%d}}
              spec:
                containers:
                  - name: web
                    image: python:3.12-slim
                    command: [gunicorn, app:app, --bind, 0.0.0.0:8000]
                    ports: [{containerPort: 8000}, {containerPort: 9000}]
          """
              .formatted(i, i % 2, i % 2));
    }
    String service =
        """
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec:
          selector: {app: web-0}
          ports: [{port: 80, targetPort: 8000}]
        """;
    List<String> last = new ArrayList<>(deployments);
    last.add(service);
    List<String> middle = new ArrayList<>(deployments);
    middle.add(700, service);
    List<String> first = new ArrayList<>(List.of(service));
    first.addAll(deployments);

    HelmTemplateIT.Result before = audit(stream(first), "-o", "json", "--fail-on", "never");
    assertThat(before.code()).as(before.err()).isZero();
    assertThat(Json.MAPPER.readTree(before.out()).path("summary").path("workloads").asLong())
        .isEqualTo(1300);
    assertThat(audit(stream(last), "-o", "json", "--fail-on", "never").out())
        .isEqualTo(before.out());
    assertThat(audit(stream(middle), "-o", "json", "--fail-on", "never").out())
        .isEqualTo(before.out());
    assertThat(audit(stream(deployments), "-o", "json", "--fail-on", "never").out())
        .isNotEqualTo(before.out());
  }

  @Test
  void documentsAreSplitAsTheStreamIsRead() throws IOException {
    List<ManifestLoader.Document> docs = new ArrayList<>();
    ManifestLoader.splitDocuments(
        new StringReader("# lead\r\na: 1\r\n---\r\n\r\nb: 2\r\n--- {c: 3}\n...\n---\nd: 4"),
        docs::add);
    assertThat(docs)
        .containsExactly(
            new ManifestLoader.Document("# lead\na: 1\n", 0, 2),
            new ManifestLoader.Document("\nb: 2\n", 3, 5),
            new ManifestLoader.Document(" {c: 3}\n", 5, 6),
            new ManifestLoader.Document("d: 4\n", 8, 9));
  }
}
