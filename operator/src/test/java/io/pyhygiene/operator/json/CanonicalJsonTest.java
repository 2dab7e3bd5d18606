package io.pyhygiene.operator.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.json.Json;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {

  @Test
  void digestIgnoresFieldOrderAndIntegerWidthButNotContent() throws Exception {
    String a =
        CanonicalJson.digest(
            Json.MAPPER.readTree(
                "{\"summary\":{\"pass\":1,\"fail\":2},\"results\":[{\"rule\":\"x\",\"timestamp\":{\"seconds\":1795617630}}]}"));
    String b =
        CanonicalJson.digest(
            Json.MAPPER.readTree(
                "{\"results\":[{\"timestamp\":{\"seconds\":1795617630},\"rule\":\"x\"}],\"summary\":{\"fail\":2,\"pass\":1}}"));
    String c =
        CanonicalJson.digest(
            Json.MAPPER.readTree(
                "{\"results\":[{\"timestamp\":{\"seconds\":1795617630},\"rule\":\"y\"}],\"summary\":{\"fail\":2,\"pass\":1}}"));
    assertThat(a).isEqualTo(b).isNotEqualTo(c);
  }

  @Test
  void listOrderCounts() throws Exception {
    assertThat(CanonicalJson.digest(Json.MAPPER.readTree("[1,2]")))
        .isNotEqualTo(CanonicalJson.digest(Json.MAPPER.readTree("[2,1]")));
  }
}
