package io.pyhygiene.rules;

import io.pyhygiene.engine.Rule;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Every rule, found rather than listed: each concrete {@link Rule} under {@code io.pyhygiene.rules}
 * is registered by the build ({@code GeneratedFiles} writes {@code
 * META-INF/services/io.pyhygiene.engine.Rule} from the compiled classes), so adding a rule is
 * adding its class and its fixtures. The order (category, then severity, then id) is the order of
 * reports and of {@code docs/rules.md}.
 */
public final class RuleCatalog {

  /** Catalogue order: by category, then most severe first, then by id. */
  public static final Comparator<Rule> ORDER =
      Comparator.comparing((Rule r) -> r.info().category())
          .thenComparing(r -> r.info().severity())
          .thenComparing(Rule::id);

  private RuleCatalog() {}

  /** A fresh list of the rules, in catalogue order; rules are stateless. */
  public static List<Rule> all() {
    List<Rule> rules = new ArrayList<>();
    ServiceLoader.load(Rule.class, RuleCatalog.class.getClassLoader()).forEach(rules::add);
    if (rules.isEmpty()) {
      throw new IllegalStateException(
          "no rules registered: META-INF/services/"
              + Rule.class.getName()
              + " is written by the build (mvn process-classes)");
    }
    rules.sort(ORDER);
    return List.copyOf(rules);
  }
}
