package io.pyhygiene.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.api.v1alpha1.RuleIds;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.rules.RuleCatalog;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CEL lists in the CRD must name exactly the catalogue's rules. */
class RuleIdsTest {

  private static List<String> parse(String celList) {
    String inner = celList.substring(1, celList.length() - 1);
    return Arrays.stream(inner.split(",")).map(s -> s.trim().replace("'", "")).toList();
  }

  @Test
  void allMatchesTheCatalogue() {
    assertThat(parse(RuleIds.ALL))
        .containsExactlyElementsOf(RuleCatalog.all().stream().map(Rule::id).toList());
  }

  @Test
  void fixableMatchesTheAutoFixableRules() {
    assertThat(parse(RuleIds.FIXABLE)).containsExactlyElementsOf(RuleCatalog.all().stream()
        .filter(r -> r.info().autoFixable()).map(Rule::id).toList());
  }
}
