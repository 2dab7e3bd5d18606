package io.pyhygiene.generate;

import io.pyhygiene.rules.RulesMarkdown;

import io.pyhygiene.rules.RuleCatalog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Build step: rewrites {@code docs/rules.md} from the catalogue when it differs. */
public final class GeneratedFiles {

  private GeneratedFiles() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: GeneratedFiles <docs/rules.md>");
    }
    Path target = Path.of(args[0]);
    String content = RulesMarkdown.render(RuleCatalog.all());
    if (Files.exists(target) && Files.readString(target, StandardCharsets.UTF_8).equals(content)) {
      return;
    }
    Files.createDirectories(target.toAbsolutePath().getParent());
    Files.writeString(target, content, StandardCharsets.UTF_8);
    System.out.println("wrote " + target);
  }
}
