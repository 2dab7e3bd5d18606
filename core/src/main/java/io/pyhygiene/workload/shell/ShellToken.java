package io.pyhygiene.workload.shell;

/**
 * One token of a POSIX-ish shell script: a word (quotes already removed) or an operator.
 *
 * @param type what the token is
 * @param text the word after quote removal, or the operator text
 * @param quoted whether any part of the word was quoted or escaped (a quoted word is never a
 *     reserved word such as {@code exec} or {@code if})
 * @param start the offset in the script of the token's first character, or -1 when unknown (lets
 *     the remediation edit a script in place, e.g. insert {@code exec} before a command)
 */
public record ShellToken(Type type, String text, boolean quoted, int start) {

  public ShellToken(Type type, String text, boolean quoted) {
    this(type, text, quoted, -1);
  }

  public enum Type {
    WORD,
    /**
     * {@code ;}, {@code &}, {@code &&}, {@code ||}, {@code |}, {@code |&}, {@code (}, {@code )},
     * {@code ;;}.
     */
    OPERATOR,
    /** A redirection operator; the following word is its target and not an argument. */
    REDIRECT,
    NEWLINE
  }

  static ShellToken word(String text, boolean quoted, int start) {
    return new ShellToken(Type.WORD, text, quoted, start);
  }

  static ShellToken operator(String text, int start) {
    return new ShellToken(Type.OPERATOR, text, false, start);
  }

  static ShellToken redirect(String text, int start) {
    return new ShellToken(Type.REDIRECT, text, false, start);
  }

  static ShellToken newline(int start) {
    return new ShellToken(Type.NEWLINE, "\n", false, start);
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
