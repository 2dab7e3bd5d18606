package io.pyhygiene.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.registry.ImageConfig;
import io.pyhygiene.registry.Resolution;
import io.pyhygiene.workload.ImageFacts;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageResolutionTest {

  @Test
  void aResolvedConfigBecomesTheEngineFactsWithThePinnedDigest() {
    ImageConfig config =
        new ImageConfig(
            "docker.io/library/python:3.12",
            "sha256:index",
            "sha256:amd64",
            "linux/amd64",
            List.of("/entrypoint.sh"),
            List.of("/bin/sh", "-c", "gunicorn app:app"),
            "10001",
            List.of("PYTHONUNBUFFERED=1", "PATH=/usr/bin"),
            "/app",
            "SIGINT",
            Map.of("a", "b"));
    ImageFacts facts =
        ImageResolution.facts("python:3.12", new Resolution.Resolved(config, false, Instant.EPOCH));
    assertThat(facts.resolved()).isTrue();
    ImageFacts.Config c = facts.config().orElseThrow();
    // the digest a pod would pin (the index's), not the platform manifest's
    assertThat(c.digest()).isEqualTo("sha256:index");
    assertThat(c.entrypoint()).containsExactly("/entrypoint.sh");
    assertThat(c.cmd()).containsExactly("/bin/sh", "-c", "gunicorn app:app");
    assertThat(c.user()).isEqualTo("10001");
    assertThat(c.env()).containsExactly("PYTHONUNBUFFERED=1", "PATH=/usr/bin");
    assertThat(c.stopSignal()).isEqualTo("SIGINT");
    assertThat(c.workingDir()).isEqualTo("/app");
  }

  @Test
  void anUnresolvedImageKeepsWhyWithoutRepeatingTheReference() {
    ImageFacts denied =
        ImageResolution.facts(
            "ghcr.io/acme/api:1.2",
            new Resolution.Unresolved(
                Resolution.Reason.UNAUTHORIZED,
                "ghcr.io/acme/api:1.2: HTTP 401 from ghcr.io (no credentials for ghcr.io were found)"));
    assertThat(denied.state()).isEqualTo(ImageFacts.State.UNRESOLVED);
    assertThat(denied.reason())
        .isEqualTo("HTTP 401 from ghcr.io (no credentials for ghcr.io were found)");
    // the registry module names the normalised reference; the short name was written
    ImageFacts missing =
        ImageResolution.facts(
            "python:9.9",
            new Resolution.Unresolved(
                Resolution.Reason.NOT_FOUND,
                "docker.io/library/python:9.9: not found (HTTP 404 MANIFEST_UNKNOWN from registry-1.docker.io)"));
    assertThat(missing.reason())
        .isEqualTo("not found (HTTP 404 MANIFEST_UNKNOWN from registry-1.docker.io)");
    ImageFacts bare =
        ImageResolution.facts("x", new Resolution.Unresolved(Resolution.Reason.TIMEOUT, ""));
    assertThat(bare.reason()).isEqualTo("timeout");
    ImageFacts longOne =
        ImageResolution.facts(
            "x",
            new Resolution.Unresolved(
                Resolution.Reason.ERROR, "y".repeat(1000) + "\n second line"));
    assertThat(longOne.reason()).hasSize(243).doesNotContain("\n");
  }
}
