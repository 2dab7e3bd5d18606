package io.pyhygiene.operator.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ReportPublisherDigestTest {

  @Test
  void digestIgnoresFieldOrderAndIntegerWidthButNotContent() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String a = ReportPublisher.digest(json.readTree(
        "{\"summary\":{\"pass\":1,\"fail\":2},\"results\":[{\"rule\":\"x\",\"timestamp\":{\"seconds\":1795617630}}]}"));
    String b = ReportPublisher.digest(json.readTree(
        "{\"results\":[{\"timestamp\":{\"seconds\":1795617630},\"rule\":\"x\"}],\"summary\":{\"fail\":2,\"pass\":1}}"));
    String c = ReportPublisher.digest(json.readTree(
        "{\"results\":[{\"timestamp\":{\"seconds\":1795617630},\"rule\":\"y\"}],\"summary\":{\"fail\":2,\"pass\":1}}"));
    assertThat(a).isEqualTo(b).isNotEqualTo(c);
  }
}
