package io.pyhygiene.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pyhygiene.registry.ReferenceNormaliser.InvalidReferenceException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReferenceNormaliserTest {

  private static final String D = "sha256:" + "a".repeat(64);

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      python                                  | docker.io/library/python:latest
      python:3.12                             | docker.io/library/python:3.12
      python:3.12-slim-bookworm               | docker.io/library/python:3.12-slim-bookworm
      library/python:3.12                     | docker.io/library/python:3.12
      docker.io/python:3.12                   | docker.io/library/python:3.12
      docker.io/library/python:3.12           | docker.io/library/python:3.12
      index.docker.io/library/python          | docker.io/library/python:latest
      index.docker.io/python                  | docker.io/library/python:latest
      org/app                                 | docker.io/org/app:latest
      org/team/app:v1                         | docker.io/org/team/app:v1
      ghcr.io/org/app:v1                      | ghcr.io/org/app:v1
      registry:5000/app                       | registry:5000/app:latest
      registry:5000/app:1.0                   | registry:5000/app:1.0
      localhost/app                           | localhost/app:latest
      localhost:5000/team/app:dev             | localhost:5000/team/app:dev
      127.0.0.1:5000/app                      | 127.0.0.1:5000/app:latest
      [::1]:5000/app:v1                       | [::1]:5000/app:v1
      Registry/app                            | Registry/app:latest
      my-registry.example.com/a/b/c:tag_1.2-x | my-registry.example.com/a/b/c:tag_1.2-x
      localhost:5000                          | docker.io/library/localhost:5000
      """)
  void normalisesAsDocker(String written, String normalised) throws Exception {
    assertThat(ReferenceNormaliser.normalise(written).toString()).isEqualTo(normalised);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      python@DIGEST                 | docker.io | library/python |        | DIGEST
      python:3.12@DIGEST            | docker.io | library/python | 3.12   | DIGEST
      registry:5000/app@DIGEST      | registry:5000 | app        |        | DIGEST
      """)
  void keepsDigestsAndTheirTags(
      String written, String registry, String repo, String tag, String digest) throws Exception {
    ImageRef ref = ReferenceNormaliser.normalise(written.replace("DIGEST", D));
    assertThat(ref.registry()).isEqualTo(registry);
    assertThat(ref.repository()).isEqualTo(repo);
    assertThat(ref.tag()).isEqualTo(tag);
    assertThat(ref.digest()).isEqualTo(D);
    assertThat(ref.qualifier()).isEqualTo(D);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      ''                              | empty
      Python                          | lower case
      org/App                         | lower case
      python:                         | invalid tag
      python:-x                       | invalid tag
      python@sha256:abc               | invalid digest
      python@sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA | 64 lower-case hex
      aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | image ID
      https://registry/app            | invalid
      registry:5000/                  | no repository name
      org//app                        | empty path component
      -registry.io/app                | invalid registry
      'python 3'                      | invalid
      """)
  void refusesWhatDockerRefuses(String written, String why) {
    assertThatThrownBy(() -> ReferenceNormaliser.normalise(written))
        .isInstanceOf(InvalidReferenceException.class)
        .hasMessageContaining(why);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      localhost:5000/app     | true  | localhost:5000
      127.0.0.1:5000/app     | true  | 127.0.0.1:5000
      127.1.2.3/app          | true  | 127.1.2.3
      [::1]:5000/app         | true  | [::1]:5000
      localhost/app          | true  | localhost
      registry:5000/app      | false | registry:5000
      python                 | false | registry-1.docker.io
      10.0.0.1:5000/app      | false | 10.0.0.1:5000
      """)
  void knowsLoopbackAndApiHost(String written, boolean loopback, String apiHost) throws Exception {
    ImageRef ref = ReferenceNormaliser.normalise(written);
    assertThat(ref.isLoopback()).isEqualTo(loopback);
    assertThat(ref.apiHost()).isEqualTo(apiHost);
  }
}
