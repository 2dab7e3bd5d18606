package io.pyhygiene.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.json.Json;
import io.pyhygiene.testkit.Repository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Secrets through the shipped CLI (a separate JVM, library logs on at DEBUG): sentinel values in
 * env literals (by name, in a DSN, in a PEM block) and in a Secret that env references are in the
 * input; they appear in none of its outputs (text, JSON, SARIF) nor in its logs.
 */
@Tag("fault-subset")
class SecretsFaultIT {

  @RegisterExtension final Reliability report = new Reliability();

  static String sentinel(String prefix) {
    byte[] b = new byte[12];
    new SecureRandom().nextBytes(b);
    return prefix + HexFormat.of().formatHex(b);
  }

  @Test
  @DisplayName(
      "secret values in env and in a referenced Secret never leave the CLI (text, JSON, SARIF, logs)")
  void cliNeverEchoesSecrets() throws Exception {
    String password = sentinel("pw");
    String dsn = sentinel("dsn");
    String pem = sentinel("pem");
    String inSecret = sentinel("sec");
    String manifest =
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: billing-db, namespace: shop}
        stringData: {password: "%4$s"}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: billing, namespace: shop}
        spec:
          selector: {matchLabels: {app: billing}}
          template:
            metadata: {labels: {app: billing}}
            spec:
              containers:
                - name: app
                  image: python:3.12-slim
                  command: [sh, -c, "gunicorn billing.wsgi --workers 2"]
                  env:
                    - {name: DB_PASSWORD, value: "%1$s"}
                    - {name: DATABASE_URL, value: "postgresql://billing:%2$s@db.internal:5432/billing"}
                    - {name: TLS_KEY, value: "-----BEGIN PRIVATE KEY-----\\n%3$s\\n-----END PRIVATE KEY-----"}
                    - name: FROM_SECRET
                      valueFrom: {secretKeyRef: {name: billing-db, key: password}}
        """
            .formatted(password, dsn, pem, inSecret);
    Path dir = Repository.root().resolve("faults/target/secrets");
    Files.createDirectories(dir);
    Path input = dir.resolve("billing.yaml");
    Files.writeString(input, manifest, StandardCharsets.UTF_8);
    List<String> secrets = List.of(password, dsn, pem, inSecret);

    Map<String, String> outputs = new LinkedHashMap<>();
    for (String format : List.of("text", "json", "sarif")) {
      ProcessBuilder pb =
          new ProcessBuilder(
              Processes.javaJar(
                  List.of("-Xmx256m"),
                  List.of("audit", "-f", input.toString(), "-o", format, "--fail-on", "never")));
      pb.environment().put("PYHYGIENE_LOG_LEVEL", "DEBUG"); // the library logs, on stderr
      Path out = dir.resolve("out." + format);
      Path err = dir.resolve("err." + format);
      Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("audit -o %s finished", format).isTrue();
      assertThat(p.exitValue()).as("audit -o %s exit code", format).isEqualTo(0);
      outputs.put("stdout (-o " + format + ")", Files.readString(out, StandardCharsets.UTF_8));
      outputs.put("stderr/logs (-o " + format + ")", Files.readString(err, StandardCharsets.UTF_8));
    }
    String json = outputs.get("stdout (-o json)");
    assertThat(Json.MAPPER.readTree(json).toString())
        .as("the finding fired")
        .contains("plaintext-secret-env");
    assertThat(json).as("the variables are named").contains("DB_PASSWORD").contains("DATABASE_URL");
    report.injected(
        "A Deployment with env literals DB_PASSWORD, DATABASE_URL (DSN with a password) and"
            + " TLS_KEY (PEM block), and FROM_SECRET referencing a Secret in the same input whose value"
            + " is a fourth sentinel; pyhygiene.jar audit -o text|json|sarif with PYHYGIENE_LOG_LEVEL=DEBUG.");
    int bytes = 0;
    for (Map.Entry<String, String> o : outputs.entrySet()) {
      bytes += o.getValue().length();
      for (String s : secrets) {
        assertThat(o.getValue())
            .as("%s must not contain a secret value", o.getKey())
            .doesNotContain(s);
      }
    }
    report
        .observed(
            "plaintext-secret-env fired and named the variables; none of the 4 sentinel"
                + " values appears in any of the 6 outputs.")
        .figure("outputs searched", outputs.keySet())
        .figure("characters searched", bytes);
  }
}
