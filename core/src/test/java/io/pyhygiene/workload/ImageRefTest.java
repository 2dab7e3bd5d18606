package io.pyhygiene.workload;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageRefTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        "python:3.12-slim                    | ''                    | python              | 3.12-slim | ''",
        "registry:5000/app                   | registry:5000         | app                 | ''        | ''",
        "registry:5000/app:1.2               | registry:5000         | app                 | 1.2       | ''",
        "ghcr.io/acme/api@sha256:abc         | ghcr.io               | acme/api            | ''        | sha256:abc",
        "localhost/api:dev                   | localhost             | api                 | dev       | ''",
        "docker.io/library/python:3.9-alpine | docker.io             | library/python      | 3.9-alpine | ''",
        "acme/api                            | ''                    | acme/api            | ''        | ''"
      })
  void parsesReferences(String raw, String registry, String repository, String tag, String digest) {
    ImageRef r = ImageRef.parse(raw);
    assertThat(r.registry()).isEqualTo(registry);
    assertThat(r.repository()).isEqualTo(repository);
    assertThat(r.tag()).isEqualTo(tag);
    assertThat(r.digest()).isEqualTo(digest);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "python:3.12-slim           | 3.12",
        "python:3.9.18-bookworm     | 3.9",
        "docker.io/library/python:3.10 | 3.10",
        "python:3                   | ''",
        "python:latest              | ''",
        "acme/python-api:3.9        | ''",
        "cimg/python:3.11           | 3.11"
      })
  void pythonVersionFromPythonStyleTags(String raw, String version) {
    assertThat(ImageRef.parse(raw).pythonVersion().orElse("")).isEqualTo(version);
  }
}
