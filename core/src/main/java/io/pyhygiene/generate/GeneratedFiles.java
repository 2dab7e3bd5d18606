package io.pyhygiene.generate;

import io.pyhygiene.api.v1alpha1.RuleIdLists;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.rules.RulesMarkdown;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Build step (core's {@code process-classes}): everything derived from the rule catalogue, so that
 * adding a rule is adding its class and fixtures.
 *
 * <ol>
 *   <li>registers every concrete {@link Rule} compiled under {@code io/pyhygiene/rules} in {@code
 *       META-INF/services/io.pyhygiene.engine.Rule} (what {@link RuleCatalog} loads);
 *   <li>writes {@code docs/rules.md};
 *   <li>writes the CRDs from the crd-generator's output with the rule-id lists of their CEL
 *       validations filled in ({@link RuleIdLists} placeholders).
 * </ol>
 *
 * Files are rewritten only when their content changes; CI fails when the committed copies drift.
 */
public final class GeneratedFiles {

  private GeneratedFiles() {}

  /** Arguments: classes dir, docs/rules.md, crd-generator output dir, crds/ dir. */
  public static void main(String[] args) throws IOException, ClassNotFoundException {
    if (args.length != 4) {
      throw new IllegalArgumentException(
          "usage: GeneratedFiles <classes-dir> <docs/rules.md> <generated-crds-dir> <crds-dir>");
    }
    Path classes = Path.of(args[0]);
    write(
        classes.resolve("META-INF/services/" + Rule.class.getName()),
        String.join("\n", ruleClasses(classes)) + "\n");
    List<Rule> rules = RuleCatalog.all();
    write(Path.of(args[1]), RulesMarkdown.render(rules));
    String all = celList(rules.stream().map(Rule::id).toList());
    String fixable = celList(rules.stream().filter(Rule::autoFixable).map(Rule::id).toList());
    try (Stream<Path> crds = Files.list(Path.of(args[2]))) {
      for (Path crd : crds.filter(p -> p.toString().endsWith(".yml")).sorted().toList()) {
        String yaml =
            Files.readString(crd, StandardCharsets.UTF_8)
                .replace(RuleIdLists.ALL, all)
                .replace(RuleIdLists.FIXABLE, fixable);
        write(Path.of(args[3]).resolve(crd.getFileName()), yaml);
      }
    }
  }

  /** Concrete rule classes with a no-argument constructor, by class name. */
  private static List<String> ruleClasses(Path classes) throws IOException, ClassNotFoundException {
    Path root = classes.resolve("io/pyhygiene/rules");
    List<String> names;
    try (Stream<Path> files = Files.walk(root)) {
      names =
          files
              .map(p -> classes.relativize(p).toString())
              .filter(p -> p.endsWith(".class") && !p.contains("$"))
              .map(p -> p.substring(0, p.length() - ".class".length()).replace('/', '.'))
              .sorted()
              .collect(Collectors.toList());
    }
    List<String> rules = new ArrayList<>();
    for (String name : names) {
      Class<?> c = Class.forName(name, false, GeneratedFiles.class.getClassLoader());
      if (Rule.class.isAssignableFrom(c)
          && !c.isInterface()
          && !Modifier.isAbstract(c.getModifiers())) {
        rules.add(name);
      }
    }
    return rules;
  }

  /** A CEL list literal: {@code ['a', 'b']}. */
  private static String celList(List<String> ids) {
    return ids.stream().map(id -> "'" + id + "'").collect(Collectors.joining(", ", "[", "]"));
  }

  private static void write(Path target, String content) throws IOException {
    if (Files.exists(target) && Files.readString(target, StandardCharsets.UTF_8).equals(content)) {
      return;
    }
    Files.createDirectories(target.toAbsolutePath().getParent());
    Files.writeString(target, content, StandardCharsets.UTF_8);
    System.out.println("wrote " + target);
  }
}
