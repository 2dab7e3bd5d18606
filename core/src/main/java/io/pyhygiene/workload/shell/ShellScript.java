package io.pyhygiene.workload.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A parsed shell script: just enough structure (lists, and-or chains, pipelines, subshells, brace
 * groups, compound keywords) to tell which command the shell runs last, whether it runs in the
 * shell's own process, and whether it is {@code exec}'d. Parsing never throws; malformed input
 * yields the best structure that can be recovered.
 */
public final class ShellScript {

  /** A node that can stand where a command stands. */
  public sealed interface Node permits Simple, Group, Compound {}

  /**
   * A simple command.
   *
   * @param assignments leading {@code NAME=value} words
   * @param words the command name and its arguments
   * @param redirected whether the command has redirections
   * @param start the offset in the script of the command name (the first word after the
   *     assignments), or -1 when there is none or it is unknown
   */
  public record Simple(List<String> assignments, List<String> words, boolean redirected, int start)
      implements Node {

    public Simple(List<String> assignments, List<String> words, boolean redirected) {
      this(assignments, words, redirected, -1);
    }

    public boolean isEmpty() {
      return words.isEmpty();
    }

    public String name() {
      return words.isEmpty() ? "" : words.get(0);
    }
  }

  /** {@code ( list )} when {@code subshell}, else {@code { list; }}. */
  public record Group(boolean subshell, List<Statement> body, boolean redirected) implements Node {}

  /**
   * {@code if}, {@code case}, {@code while}, {@code until}, {@code for}, {@code select} or a
   * function definition, kept as the simple commands found inside (in order).
   */
  public record Compound(String keyword, List<Simple> commands) implements Node {
    public boolean isLoop() {
      return keyword.equals("while")
          || keyword.equals("until")
          || keyword.equals("for")
          || keyword.equals("select");
    }

    public boolean isFunction() {
      return keyword.equals("function");
    }
  }

  /** {@code [!] cmd | cmd | ...}. */
  public record Pipeline(List<Node> commands, boolean negated) {}

  /** {@code pipeline && pipeline || pipeline}. */
  public record AndOr(List<Pipeline> pipelines) {}

  /** One entry of a list, run in the background when followed by {@code &}. */
  public record Statement(AndOr body, boolean background) {}

  private static final Set<String> COMPOUND_OPENERS =
      Set.of("if", "case", "while", "until", "for", "select");
  private static final Set<String> COMPOUND_CLOSERS = Set.of("fi", "esac", "done");
  private static final Set<String> AFTER_WHICH_COMMAND_STARTS =
      Set.of("then", "do", "else", "elif", "if", "while", "until", "!", "{", "in");

  private final List<Statement> statements;

  private ShellScript(List<Statement> statements) {
    this.statements = statements;
  }

  public List<Statement> statements() {
    return statements;
  }

  public static ShellScript parse(String script) {
    Parser parser = new Parser(ShellLexer.tokenize(script));
    return new ShellScript(parser.parseList(null));
  }

  /** Every simple command of the script in source order, however deeply nested. */
  public List<Simple> allCommands() {
    List<Simple> out = new ArrayList<>();
    collect(statements, out);
    return out;
  }

  private static void collect(List<Statement> statements, List<Simple> out) {
    for (Statement s : statements) {
      for (Pipeline p : s.body().pipelines()) {
        for (Node n : p.commands()) {
          if (n instanceof Simple simple) {
            if (!simple.isEmpty()) {
              out.add(simple);
            }
          } else if (n instanceof Group g) {
            collect(g.body(), out);
          } else if (n instanceof Compound c) {
            out.addAll(c.commands());
          }
        }
      }
    }
  }

  /** Recursive-descent parser over the token list; every loop consumes at least one token. */
  private static final class Parser {
    /** Deeper nesting than any real container command; beyond it groups are read flat. */
    private static final int MAX_DEPTH = 64;

    private final List<ShellToken> tokens;
    private int i;
    private int depth;

    Parser(List<ShellToken> tokens) {
      this.tokens = tokens;
    }

    private ShellToken peek() {
      return i < tokens.size() ? tokens.get(i) : null;
    }

    private boolean atEnd() {
      return i >= tokens.size();
    }

    private boolean atOperator(String op) {
      ShellToken t = peek();
      return t != null && t.isOperator(op);
    }

    private void skipNewlines() {
      while (!atEnd() && peek().type() == ShellToken.Type.NEWLINE) {
        i++;
      }
    }

    /**
     * Parses statements until the end, or until {@code terminator} (")" or "}") at a command start.
     */
    List<Statement> parseList(String terminator) {
      List<Statement> out = new ArrayList<>();
      while (!atEnd()) {
        ShellToken t = peek();
        if (t.type() == ShellToken.Type.NEWLINE || t.isOperator(";") || t.isOperator(";;")) {
          i++;
          continue;
        }
        if (terminator != null && (t.isOperator(terminator) || t.isReserved(terminator))) {
          return out;
        }
        if (t.type() == ShellToken.Type.OPERATOR && !t.isOperator("(")) {
          i++; // a stray operator (e.g. a leading "&&" or an unmatched ")"): skip it
          continue;
        }
        AndOr andOr = parseAndOr(terminator);
        boolean background = false;
        if (atOperator("&")) {
          background = true;
          i++;
        }
        out.add(new Statement(andOr, background));
      }
      return out;
    }

    private AndOr parseAndOr(String terminator) {
      List<Pipeline> pipelines = new ArrayList<>();
      pipelines.add(parsePipeline(terminator));
      while (atOperator("&&") || atOperator("||")) {
        i++;
        skipNewlines();
        if (atEnd()) {
          break;
        }
        pipelines.add(parsePipeline(terminator));
      }
      return new AndOr(pipelines);
    }

    private Pipeline parsePipeline(String terminator) {
      boolean negated = false;
      if (peek() != null && peek().isReserved("!")) {
        negated = true;
        i++;
      }
      List<Node> commands = new ArrayList<>();
      commands.add(parseCommand(terminator));
      while (atOperator("|") || atOperator("|&")) {
        i++;
        skipNewlines();
        if (atEnd()) {
          break;
        }
        commands.add(parseCommand(terminator));
      }
      return new Pipeline(commands, negated);
    }

    private Node parseCommand(String terminator) {
      ShellToken t = peek();
      if (t == null) {
        return new Simple(List.of(), List.of(), false);
      }
      if ((t.isOperator("(") || t.isReserved("{")) && depth >= MAX_DEPTH) {
        i++; // too deep to be a real command line: skip the bracket instead of recursing
        return new Simple(List.of(), List.of(), false);
      }
      if (t.isOperator("(")) {
        i++;
        depth++;
        List<Statement> body = parseList(")");
        depth--;
        if (atOperator(")")) {
          i++;
        }
        return new Group(true, body, skipRedirections());
      }
      if (t.isReserved("{")) {
        i++;
        depth++;
        List<Statement> body = parseList("}");
        depth--;
        if (peek() != null && peek().isReserved("}")) {
          i++;
        }
        return new Group(false, body, skipRedirections());
      }
      if (t.type() == ShellToken.Type.WORD && !t.quoted() && COMPOUND_OPENERS.contains(t.text())) {
        return parseCompound();
      }
      if (t.isReserved("function")) {
        i++;
        if (peek() != null && peek().isWord()) {
          i++;
        }
        return parseFunctionBody();
      }
      if (t.isWord()
          && i + 2 < tokens.size()
          && tokens.get(i + 1).isOperator("(")
          && tokens.get(i + 2).isOperator(")")) {
        i += 3; // name ( )
        return parseFunctionBody();
      }
      return parseSimple(terminator);
    }

    private Node parseFunctionBody() {
      skipNewlines();
      if (peek() != null && peek().isOperator("(")) {
        i++; // "function f ( )" form
        if (atOperator(")")) {
          i++;
        }
        skipNewlines();
      }
      if (atEnd()) {
        return new Compound("function", List.of());
      }
      depth++;
      Node body = parseCommand(null);
      depth--;
      List<Simple> inner = new ArrayList<>();
      collect(
          List.of(new Statement(new AndOr(List.of(new Pipeline(List.of(body), false))), false)),
          inner);
      return new Compound("function", inner);
    }

    /** Consumes a compound keyword construct up to its matching closer. */
    private Node parseCompound() {
      String keyword = peek().text();
      int depth = 0;
      boolean commandStart = true;
      List<Simple> inner = new ArrayList<>();
      List<String> words = new ArrayList<>();
      List<Integer> starts = new ArrayList<>();
      boolean redirected = false;
      while (!atEnd()) {
        ShellToken t = tokens.get(i++);
        if (t.type() == ShellToken.Type.WORD) {
          String w = t.text();
          if (commandStart && !t.quoted() && COMPOUND_OPENERS.contains(w)) {
            depth++;
          } else if (commandStart && !t.quoted() && COMPOUND_CLOSERS.contains(w)) {
            flush(inner, words, starts, redirected);
            words = new ArrayList<>();
            starts = new ArrayList<>();
            redirected = false;
            depth--;
            if (depth == 0) {
              skipRedirections();
              return new Compound(keyword, inner);
            }
            continue;
          }
          if (commandStart && !t.quoted() && AFTER_WHICH_COMMAND_STARTS.contains(w)) {
            flush(inner, words, starts, redirected);
            words = new ArrayList<>();
            starts = new ArrayList<>();
            redirected = false;
            continue; // still at a command start
          }
          words.add(w);
          starts.add(t.start());
          commandStart = false;
        } else if (t.type() == ShellToken.Type.REDIRECT) {
          redirected = true;
          if (!atEnd() && peek().isWord()) {
            i++;
          }
        } else {
          flush(inner, words, starts, redirected);
          words = new ArrayList<>();
          starts = new ArrayList<>();
          redirected = false;
          commandStart = true;
        }
      }
      flush(inner, words, starts, redirected);
      return new Compound(keyword, inner);
    }

    private static void flush(
        List<Simple> inner, List<String> words, List<Integer> starts, boolean redirected) {
      if (words.isEmpty()) {
        return;
      }
      // "for x in a b c" and "case $x in" carry no command; a "pattern)" of case is not one either.
      String first = words.get(0);
      if (first.equals("for") || first.equals("select") || first.equals("case")) {
        return;
      }
      inner.add(splitAssignments(words, starts, redirected));
    }

    private Simple parseSimple(String terminator) {
      List<String> words = new ArrayList<>();
      List<Integer> starts = new ArrayList<>();
      boolean redirected = false;
      while (!atEnd()) {
        ShellToken t = peek();
        if (t.type() == ShellToken.Type.WORD) {
          if (terminator != null && words.isEmpty() && t.isReserved(terminator)) {
            break;
          }
          if (words.isEmpty() && t.text().equals("[[") && !t.quoted()) {
            starts.add(t.start());
            words.addAll(readDoubleBracketTest());
            while (starts.size() < words.size()) {
              starts.add(-1);
            }
            continue;
          }
          words.add(t.text());
          starts.add(t.start());
          i++;
        } else if (t.type() == ShellToken.Type.REDIRECT) {
          redirected = true;
          i++;
          if (!atEnd() && peek().isWord()) {
            i++;
          }
        } else {
          break;
        }
      }
      return splitAssignments(words, starts, redirected);
    }

    /** {@code [[ ... ]]} may contain {@code &&} and {@code ||}: they belong to the test. */
    private List<String> readDoubleBracketTest() {
      List<String> words = new ArrayList<>();
      while (!atEnd()) {
        ShellToken t = tokens.get(i++);
        words.add(t.text());
        if (t.isWord() && !t.quoted() && t.text().equals("]]")) {
          break;
        }
      }
      return words;
    }

    private boolean skipRedirections() {
      boolean any = false;
      while (!atEnd() && peek().type() == ShellToken.Type.REDIRECT) {
        any = true;
        i++;
        if (!atEnd() && peek().isWord()) {
          i++;
        }
      }
      return any;
    }
  }

  /** {@code starts} holds the source offset of each word (may be shorter when unknown). */
  static Simple splitAssignments(List<String> words, List<Integer> starts, boolean redirected) {
    int n = 0;
    while (n < words.size() && isAssignment(words.get(n))) {
      n++;
    }
    int start = n < words.size() && n < starts.size() ? starts.get(n) : -1;
    return new Simple(
        List.copyOf(words.subList(0, n)),
        List.copyOf(words.subList(n, words.size())),
        redirected,
        start);
  }

  public static boolean isAssignment(String word) {
    int eq = word.indexOf('=');
    if (eq <= 0) {
      return false;
    }
    for (int k = 0; k < eq; k++) {
      char c = word.charAt(k);
      boolean ok = c == '_' || Character.isLetter(c) || (k > 0 && Character.isDigit(c));
      if (!ok || c > 127) {
        return false;
      }
    }
    return true;
  }
}
