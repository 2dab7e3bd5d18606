package io.pyhygiene.workload.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShellLexerTest {

  private static List<String> texts(String script) {
    return ShellLexer.tokenize(script).stream().map(ShellToken::text).toList();
  }

  @Test
  void quotesEscapesAndOperators() {
    assertThat(texts("a 'b c' \"d $e\" f\\ g && h || i; j & k | l"))
        .containsExactly(
            "a", "b c", "d $e", "f g", "&&", "h", "||", "i", ";", "j", "&", "k", "|", "l");
    assertThat(texts("echo $'a\\nb'")).containsExactly("echo", "a\nb");
    assertThat(texts("x=\"$(date +%s; echo ')')\" run"))
        .containsExactly("x=$(date +%s; echo ')')", "run");
  }

  @Test
  void commentsRedirectionsAndHereDocs() {
    assertThat(texts("run # comment && not an operator")).containsExactly("run");
    assertThat(texts("run 2>&1 >/dev/null")).containsExactly("run", ">&", "1", ">", "/dev/null");
    assertThat(texts("cat <<EOF\nhello && world\nEOF\nexec app"))
        .containsExactly("cat", "<<", "EOF", "\n", "exec", "app");
  }

  @Test
  void unterminatedInputNeverThrows() {
    assertThat(texts("echo 'unterminated")).containsExactly("echo", "unterminated");
    assertThat(texts("echo \"open $(")).hasSize(2);
    assertThat(texts("")).isEmpty();
    assertThat(ShellLexer.splitWords("--workers 8  --graceful-timeout='60'"))
        .containsExactly("--workers", "8", "--graceful-timeout=60");
  }

  @Test
  void quotedReservedWordsAreNotReserved() {
    ShellToken quoted = ShellLexer.tokenize("'exec' x").get(0);
    assertThat(quoted.isReserved("exec")).isFalse();
    assertThat(ShellLexer.tokenize("{ x; }").get(0).isReserved("{")).isTrue();
  }
}
