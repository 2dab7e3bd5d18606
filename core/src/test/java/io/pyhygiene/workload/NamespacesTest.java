package io.pyhygiene.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NamespacesTest {

  @Test
  void anObjectWithoutANamespaceIsIndexedUnderTheEmptyOne() {
    assertThat(Namespaces.of(null)).isEmpty();
    assertThat(Namespaces.of(new ObjectMeta())).isEmpty();
    assertThat(Namespaces.of(new ObjectMetaBuilder().withNamespace("shop").build()))
        .isEqualTo("shop");
  }

  @Test
  void aWorkloadSeesItsOwnNamespaceAndUnnamedObjects() {
    assertThat(Namespaces.visible("shop", "shop")).isTrue();
    assertThat(Namespaces.visible("shop", "")).isTrue();
    assertThat(Namespaces.visible("shop", "billing")).isFalse();
  }

  @Test
  void aWorkloadWithoutANamespaceSeesEveryObject() {
    assertThat(Namespaces.visible("", "billing")).isTrue();
    assertThat(Namespaces.visible("", "")).isTrue();
  }

  @Test
  void visibleGroupsAgreeWithVisible() {
    Map<String, List<String>> index = new LinkedHashMap<>();
    index.put("billing", List.of("b1"));
    index.put("", List.of("u1", "u2"));
    index.put("shop", List.of("s1"));

    assertThat(Namespaces.visibleGroups("shop", index))
        .containsExactly(List.of("s1"), List.of("u1", "u2"));
    assertThat(Namespaces.visibleGroups("ops", index)).containsExactly(List.of("u1", "u2"));
    assertThat(Namespaces.visibleGroups("", index)).hasSize(3);
    assertThat(Namespaces.visibleGroups("shop", Map.of("shop", List.of("s1"))))
        .containsExactly(List.of("s1"));
    assertThat(Namespaces.visibleGroups("shop", Map.<String, List<String>>of())).isEmpty();
    for (String workload : List.of("shop", "ops", "billing", "")) {
      for (Map.Entry<String, List<String>> e : index.entrySet()) {
        assertThat(Namespaces.visibleGroups(workload, index).contains(e.getValue()))
            .as("%s sees %s", workload, e.getKey())
            .isEqualTo(Namespaces.visible(workload, e.getKey()));
      }
    }
  }
}
