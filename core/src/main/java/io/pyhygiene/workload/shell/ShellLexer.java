package io.pyhygiene.workload.shell;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a shell script into words and operators the way {@code sh}, {@code bash} and busybox
 * {@code ash} do for the constructs that appear in container commands: single and double quotes,
 * backslash escapes, {@code $'...'}, comments, command substitution ({@code $(...)} and backticks,
 * kept inside their word), parameter expansion, here-documents, and the control and redirection
 * operators.
 *
 * <p>The lexer never throws: an unterminated quote or substitution simply ends at the end of the
 * script, which is what matters for deciding which process ends up as PID 1.
 */
public final class ShellLexer {

  private final String src;
  private int pos;
  private final List<ShellToken> tokens = new ArrayList<>();
  private final List<String> pendingHereDocs = new ArrayList<>();

  private ShellLexer(String src) {
    this.src = src == null ? "" : src;
  }

  public static List<ShellToken> tokenize(String script) {
    ShellLexer lexer = new ShellLexer(script);
    lexer.run();
    return List.copyOf(lexer.tokens);
  }

  /**
   * Splits a string into words with shell quoting rules, ignoring operators' meaning (as Python's
   * {@code shlex.split} does, which is how gunicorn reads {@code GUNICORN_CMD_ARGS}).
   */
  public static List<String> splitWords(String text) {
    List<String> words = new ArrayList<>();
    for (ShellToken t : tokenize(text)) {
      if (t.type() != ShellToken.Type.NEWLINE) {
        words.add(t.text());
      }
    }
    return words;
  }

  private void run() {
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (c == '\n') {
        tokens.add(ShellToken.newline(pos));
        pos++;
        readHereDocBodies();
      } else if (c == ' ' || c == '\t' || c == '\r') {
        pos++;
      } else if (c == '\\' && peek(1) == '\n') {
        pos += 2; // line continuation
      } else if (c == '#') {
        skipComment();
      } else if (isOperatorStart(c)) {
        readOperator();
      } else {
        readWord();
      }
    }
  }

  private char peek(int ahead) {
    int i = pos + ahead;
    return i < src.length() ? src.charAt(i) : '\0';
  }

  private void skipComment() {
    while (pos < src.length() && src.charAt(pos) != '\n') {
      pos++;
    }
  }

  private static boolean isOperatorStart(char c) {
    return c == ';' || c == '&' || c == '|' || c == '(' || c == ')' || c == '<' || c == '>';
  }

  private void readOperator() {
    char c = src.charAt(pos);
    char n = peek(1);
    switch (c) {
      case ';' -> emitOperator(n == ';' ? ";;" : ";");
      case '&' -> {
        if (n == '&') {
          emitOperator("&&");
        } else if (n == '>') {
          emitRedirect(peek(2) == '>' ? "&>>" : "&>");
        } else {
          emitOperator("&");
        }
      }
      case '|' -> emitOperator(n == '|' ? "||" : n == '&' ? "|&" : "|");
      case '(', ')' -> emitOperator(String.valueOf(c));
      case '<' -> {
        if (n == '<') {
          boolean strip = peek(2) == '-';
          if (peek(2) == '<') {
            emitRedirect("<<<");
          } else {
            emitRedirect(strip ? "<<-" : "<<");
            registerHereDoc(strip);
          }
        } else if (n == '&' || n == '>') {
          emitRedirect("<" + n);
        } else {
          emitRedirect("<");
        }
      }
      default -> { // '>'
        if (n == '>' || n == '&' || n == '|') {
          emitRedirect(">" + n);
        } else {
          emitRedirect(">");
        }
      }
    }
  }

  private void emitOperator(String op) {
    tokens.add(ShellToken.operator(op, pos));
    pos += op.length();
  }

  private void emitRedirect(String op) {
    tokens.add(ShellToken.redirect(op, pos));
    pos += op.length();
  }

  /** Reads the here-document delimiter word now; its body is skipped after the next newline. */
  private void registerHereDoc(boolean stripTabs) {
    while (pos < src.length() && (src.charAt(pos) == ' ' || src.charAt(pos) == '\t')) {
      pos++;
    }
    if (pos >= src.length() || src.charAt(pos) == '\n') {
      return;
    }
    int before = tokens.size();
    readWord();
    if (tokens.size() > before) {
      String delimiter = tokens.get(tokens.size() - 1).text();
      pendingHereDocs.add((stripTabs ? "\t" : "") + delimiter);
    }
  }

  private void readHereDocBodies() {
    for (String spec : pendingHereDocs) {
      boolean strip = spec.startsWith("\t");
      String delimiter = strip ? spec.substring(1) : spec;
      while (pos < src.length()) {
        int end = src.indexOf('\n', pos);
        String line = end < 0 ? src.substring(pos) : src.substring(pos, end);
        pos = end < 0 ? src.length() : end + 1;
        if ((strip ? line.stripLeading() : line).equals(delimiter)) {
          break;
        }
      }
    }
    pendingHereDocs.clear();
  }

  private void readWord() {
    int start = pos;
    StringBuilder out = new StringBuilder();
    boolean quoted = false;
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        break;
      }
      if (isOperatorStart(c)) {
        // An all-digit prefix directly before a redirection is its file descriptor, not a word.
        if ((c == '<' || c == '>') && !quoted && !out.isEmpty() && isAllDigits(out)) {
          return;
        }
        break;
      }
      switch (c) {
        case '\\' -> {
          quoted = true;
          if (pos + 1 < src.length()) {
            if (src.charAt(pos + 1) != '\n') {
              out.append(src.charAt(pos + 1));
            }
            pos += 2;
          } else {
            pos++;
          }
        }
        case '\'' -> {
          quoted = true;
          int end = src.indexOf('\'', pos + 1);
          end = end < 0 ? src.length() : end;
          out.append(src, pos + 1, end);
          pos = Math.min(src.length(), end + 1);
        }
        case '"' -> {
          quoted = true;
          readDoubleQuoted(out);
        }
        case '$' -> {
          if (peek(1) == '\'') {
            quoted = true;
            pos++;
            readAnsiC(out);
          } else if (peek(1) == '(' || peek(1) == '{') {
            readBalanced(out, peek(1), peek(1) == '(' ? ')' : '}');
          } else {
            out.append(c);
            pos++;
          }
        }
        case '`' -> {
          int end = src.indexOf('`', pos + 1);
          end = end < 0 ? src.length() : end;
          out.append(src, pos, Math.min(src.length(), end + 1));
          pos = Math.min(src.length(), end + 1);
        }
        default -> {
          out.append(c);
          pos++;
        }
      }
    }
    tokens.add(ShellToken.word(out.toString(), quoted, start));
  }

  private static boolean isAllDigits(CharSequence s) {
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private void readDoubleQuoted(StringBuilder out) {
    pos++; // opening quote
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (c == '"') {
        pos++;
        return;
      }
      if (c == '\\' && pos + 1 < src.length()) {
        char n = src.charAt(pos + 1);
        if (n == '$' || n == '`' || n == '"' || n == '\\') {
          out.append(n);
          pos += 2;
          continue;
        }
        if (n == '\n') {
          pos += 2;
          continue;
        }
      }
      if (c == '$' && (peek(1) == '(' || peek(1) == '{')) {
        readBalanced(out, peek(1), peek(1) == '(' ? ')' : '}');
        continue;
      }
      out.append(c);
      pos++;
    }
  }

  private void readAnsiC(StringBuilder out) {
    pos++; // opening quote
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (c == '\'') {
        pos++;
        return;
      }
      if (c == '\\' && pos + 1 < src.length()) {
        char n = src.charAt(pos + 1);
        out.append(
            switch (n) {
              case 'n' -> '\n';
              case 't' -> '\t';
              case 'r' -> '\r';
              default -> n;
            });
        pos += 2;
        continue;
      }
      out.append(c);
      pos++;
    }
  }

  /**
   * Copies {@code $(...)} or {@code ${...}} verbatim into the word, honouring nesting and quotes.
   */
  private void readBalanced(StringBuilder out, char open, char close) {
    int start = pos;
    pos += 2; // '$' and the opening bracket
    int depth = 1;
    while (pos < src.length() && depth > 0) {
      char c = src.charAt(pos);
      if (c == '\\') {
        pos += 2;
        continue;
      }
      if (c == '\'') {
        int end = src.indexOf('\'', pos + 1);
        pos = end < 0 ? src.length() : end + 1;
        continue;
      }
      if (c == open) {
        depth++;
      } else if (c == close) {
        depth--;
      }
      pos++;
    }
    pos = Math.min(pos, src.length());
    out.append(src, start, pos);
  }
}
