package io.pyhygiene.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.pyhygiene.engine.LabelSelectors;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectorParserTest {

  static boolean matches(String selector, Map<String, String> labels) {
    LabelSelector s = SelectorParser.parse(selector);
    return LabelSelectors.matches(s, labels);
  }

  @Test
  void equalityAndInequalityAsKubectl() {
    assertThat(matches("app=web", Map.of("app", "web"))).isTrue();
    assertThat(matches("app==web", Map.of("app", "web"))).isTrue();
    assertThat(matches("app=web", Map.of("app", "api"))).isFalse();
    assertThat(matches("app=web", Map.of())).isFalse();
    // != also selects objects without the key, as the API server does
    assertThat(matches("tier!=db", Map.of())).isTrue();
    assertThat(matches("tier!=db", Map.of("tier", "db"))).isFalse();
    assertThat(matches("app=web,tier!=db", Map.of("app", "web", "tier", "front"))).isTrue();
  }

  @Test
  void setBasedAndExistence() {
    assertThat(matches("env in (prod, stage)", Map.of("env", "stage"))).isTrue();
    assertThat(matches("env in (prod,stage)", Map.of("env", "dev"))).isFalse();
    assertThat(matches("env notin (prod)", Map.of())).isTrue();
    assertThat(matches("env notin (prod)", Map.of("env", "prod"))).isFalse();
    assertThat(matches("app.kubernetes.io/name", Map.of("app.kubernetes.io/name", "x"))).isTrue();
    assertThat(matches("!canary", Map.of("canary", "true"))).isFalse();
    assertThat(matches("!canary,env in (a,b),app", Map.of("env", "a", "app", "x"))).isTrue();
    assertThat(matches("empty=", Map.of("empty", ""))).isTrue();
  }

  @Test
  void malformedSelectorsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> SelectorParser.parse("a=b,,c"))
        .hasMessageContaining("empty requirement");
    assertThatThrownBy(() -> SelectorParser.parse("env in (a")).hasMessageContaining("unbalanced");
    assertThatThrownBy(() -> SelectorParser.parse("replicas>2"))
        .hasMessageContaining("not supported");
    assertThatThrownBy(() -> SelectorParser.parse("a b"))
        .hasMessageContaining("cannot parse 'a b'");
    assertThatThrownBy(() -> SelectorParser.parse("app=we b")).hasMessageContaining("cannot parse");
    assertThatThrownBy(() -> SelectorParser.parse(" ")).hasMessageContaining("empty selector");
  }
}
