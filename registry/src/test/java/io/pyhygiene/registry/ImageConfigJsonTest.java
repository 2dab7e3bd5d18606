package io.pyhygiene.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageConfigJsonTest {

  @Test
  void readsWhatTheRulesNeed() throws Exception {
    ImageConfigJson.Parsed p =
        ImageConfigJson.parse(
            """
        {"architecture": "arm64", "os": "linux", "variant": "v8",
         "config": {"User": "10001", "Env": ["PATH=/usr/bin", "PYTHONUNBUFFERED=1"],
                    "Entrypoint": ["tini", "--"], "Cmd": ["/bin/sh", "-c", "exec gunicorn app:app"],
                    "WorkingDir": "/app", "StopSignal": "SIGINT", "Labels": {"a": "b"}},
         "rootfs": {"type": "layers", "diff_ids": []}}"""
                .getBytes(StandardCharsets.UTF_8));
    assertThat(p.platform()).hasToString("linux/arm64/v8");
    assertThat(p.user()).isEqualTo("10001");
    assertThat(p.env()).containsExactly("PATH=/usr/bin", "PYTHONUNBUFFERED=1");
    assertThat(p.entrypoint()).containsExactly("tini", "--");
    assertThat(p.cmd()).containsExactly("/bin/sh", "-c", "exec gunicorn app:app");
    assertThat(p.workingDir()).isEqualTo("/app");
    assertThat(p.stopSignal()).isEqualTo("SIGINT");
    assertThat(p.labels()).isEqualTo(Map.of("a", "b"));
  }

  @Test
  void absentAndNullFieldsAreEmptyAndAStringCmdIsOneElement() throws Exception {
    ImageConfigJson.Parsed p =
        ImageConfigJson.parse(
            """
        {"os": "linux", "architecture": "amd64", "config": {"Cmd": "python", "Entrypoint": null}}"""
                .getBytes(StandardCharsets.UTF_8));
    assertThat(p.cmd()).containsExactly("python");
    assertThat(p.entrypoint()).isEmpty();
    assertThat(p.user()).isEmpty();
    assertThat(p.stopSignal()).isEmpty();
    assertThat(p.labels()).isEmpty();
    assertThat(ImageConfigJson.parse("{}".getBytes(StandardCharsets.UTF_8)).env()).isEmpty();
  }

  @Test
  void imageConfigPrintsEnvNamesNotValues() {
    ImageConfig c =
        new ImageConfig(
            "r",
            "d",
            "d",
            "linux/amd64",
            List.of(),
            List.of(),
            "",
            List.of("API_KEY=hunter2", "PYTHONUNBUFFERED=1"),
            "",
            "",
            Map.of());
    assertThat(c.toString()).contains("API_KEY", "PYTHONUNBUFFERED").doesNotContain("hunter2");
    assertThat(c.envNames()).containsExactly("API_KEY", "PYTHONUNBUFFERED");
  }
}
