package io.pyhygiene.workload;

/**
 * One token of a POSIX-ish shell script: a word (quotes already removed) or an operator.
 *
 * @param type what the token is
 * @param text the word after quote removal, or the operator text
 * @param quoted whether any part of the word was quoted or escaped (a quoted word is never a
 *     reserved word such as {@code exec} or {@code if})
 */
public record ShellToken(Type type, String text, boolean quoted) {

  public enum Type {
    WORD,
    /** {@code ;}, {@code &}, {@code &&}, {@code ||}, {@code |}, {@code |&}, {@code (}, {@code )}, {@code ;;}. */
    OPERATOR,
    /** A redirection operator; the following word is its target and not an argument. */
    REDIRECT,
    NEWLINE
  }

  static ShellToken word(String text, boolean quoted) {
    return new ShellToken(Type.WORD, text, quoted);
  }

  static ShellToken operator(String text) {
    return new ShellToken(Type.OPERATOR, text, false);
  }

  static ShellToken redirect(String text) {
    return new ShellToken(Type.REDIRECT, text, false);
  }

  static ShellToken newline() {
    return new ShellToken(Type.NEWLINE, "\n", false);
  }

  public boolean isWord() {
    return type == Type.WORD;
  }

  public boolean isOperator(String op) {
    return type == Type.OPERATOR && text.equals(op);
  }

  /** A reserved word is recognised only when it is unquoted. */
  public boolean isReserved(String word) {
    return type == Type.WORD && !quoted && text.equals(word);
  }
}
