package io.pyhygiene.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.api.v1alpha1.RuleIdLists;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.rules.RuleCatalog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The CRD the build writes names exactly the catalogue's rules in its CEL validations. */
class RuleIdsTest {

  private static String crd() throws IOException {
    Path root = Path.of(System.getProperty("pyhygiene.repoRoot", ".."));
    return Files.readString(
        root.resolve("crds/pythonhygienepolicies.pyhygiene.io-v1.yml"), StandardCharsets.UTF_8);
  }

  private static String cel(List<String> ids) {
    return ids.stream().map(id -> "'" + id + "'").collect(Collectors.joining(", ", "[", "]"));
  }

  @Test
  void everyRuleIdListIsFilledIn() throws IOException {
    assertThat(crd()).doesNotContain(RuleIdLists.ALL).doesNotContain(RuleIdLists.FIXABLE);
  }

  @Test
  void theListsAreTheCatalogueAndItsFixableRules() throws IOException {
    List<Rule> rules = RuleCatalog.all();
    assertThat(crd())
        .contains("self.all(k, k in " + cel(rules.stream().map(Rule::id).toList()) + ")")
        .contains(
            "self.all(r, r in "
                + cel(rules.stream().filter(Rule::autoFixable).map(Rule::id).toList())
                + ")");
  }
}
