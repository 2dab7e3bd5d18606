package io.pyhygiene.operator.writer;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.PolicyMode;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.engine.Verdict;
import io.pyhygiene.engine.WorkloadAudit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkloadMetadataTest {

  static CombinedAudit failing() {
    Finding f =
        new Finding(
            "plaintext-secret-env",
            Severity.ERROR,
            "app",
            "env DB_PASSWORD holds a secret as a literal value (value not shown).",
            "Move it.");
    return CombinedAudit.of(
        List.of(
            new CombinedAudit.PolicyAudit(
                "default",
                PolicyMode.Audit,
                new WorkloadAudit(
                    "Deployment", "ns", "api", true, Verdict.FAIL, List.of(f), List.of()))));
  }

  @Test
  void compactFindingsWithoutMessages() {
    WorkloadMetadata m = WorkloadMetadata.of(failing(), Map.of()).withGeneration(7);
    assertThat(m.labels()).containsExactly(Map.entry("pyhygiene.io/verdict", "fail"));
    assertThat(m.annotations())
        .containsEntry(
            "pyhygiene.io/findings",
            "[{\"rule\":\"plaintext-secret-env\",\"severity\":\"error\",\"container\":\"app\","
                + "\"policy\":\"default\"}]")
        .containsEntry("pyhygiene.io/policy", "default")
        .containsEntry("pyhygiene.io/audited-generation", "7")
        .doesNotContainKey("pyhygiene.io/remediation-preview");
    assertThat(m.annotations().values()).noneMatch(v -> v.contains("DB_PASSWORD"));
  }

  @Test
  void comparesOnlyPyhygieneKeys() {
    WorkloadMetadata m = WorkloadMetadata.of(failing(), Map.of()).withGeneration(3);
    Map<String, String> labels = new HashMap<>(m.labels());
    labels.put("app", "api");
    Map<String, String> annotations = new HashMap<>(m.annotations());
    annotations.put("deployment.kubernetes.io/revision", "4");
    assertThat(m.labelsPresentOn(labels)).isTrue();
    assertThat(m.annotationsPresentOn(annotations)).isTrue();
    annotations.put("pyhygiene.io/audited-generation", "2");
    assertThat(m.annotationsPresentOn(annotations)).isFalse();
    assertThat(m.labelsPresentOn(Map.of("pyhygiene.io/verdict", "pass"))).isFalse();
  }

  @Test
  void notAuditedMeansNoPyhygieneKeysAtAll() {
    WorkloadMetadata none = WorkloadMetadata.of(CombinedAudit.none(), Map.of()).withGeneration(5);
    assertThat(none.labels()).isEmpty();
    assertThat(none.annotations()).isEmpty();
    assertThat(none.labelsPresentOn(Map.of("app", "x"))).isTrue();
    assertThat(none.labelsPresentOn(Map.of("pyhygiene.io/verdict", "fail"))).isFalse();
  }
}
