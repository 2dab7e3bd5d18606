package io.pyhygiene.workload.shell;

import io.pyhygiene.workload.shell.ShellScript.Compound;
import io.pyhygiene.workload.shell.ShellScript.Group;
import io.pyhygiene.workload.shell.ShellScript.Node;
import io.pyhygiene.workload.shell.ShellScript.Pipeline;
import io.pyhygiene.workload.shell.ShellScript.Simple;
import io.pyhygiene.workload.shell.ShellScript.Statement;
import java.util.List;

/**
 * {@code exec} put before the final command of a script that is a simple chain: top-level simple
 * commands joined by {@code &&}, {@code ||}, {@code ;} or newlines, with no pipeline, background
 * job, subshell, brace group, compound command, negation or trap. Anything else changes what the
 * shell does around its last command, so it is left to a person. Works on the parse tree the
 * process analysis already built; never quotes the script in a reason (it may hold secrets).
 *
 * @param script the rewritten script, or {@code null} when it cannot be rewritten
 * @param reason why not, or {@code null}
 */
public record ExecRewrite(String script, String reason) {

  /** Rewrites {@code source}, whose parse is {@code parsed}. */
  public static ExecRewrite of(ShellScript parsed, String source) {
    List<Statement> statements = parsed.statements();
    Simple last = null;
    for (Statement st : statements) {
      if (st.background()) {
        return notSimple("it runs a command in the background (&)");
      }
      for (Pipeline p : st.body().pipelines()) {
        if (p.negated()) {
          return notSimple("it negates a command (!)");
        }
        if (p.commands().size() != 1) {
          return notSimple("it has a pipeline (|)");
        }
        Node node = p.commands().get(0);
        if (node instanceof Group g) {
          return notSimple(g.subshell() ? "it has a subshell" : "it has a { } group");
        }
        if (node instanceof Compound c) {
          return notSimple(
              c.isFunction()
                  ? "it defines a function"
                  : "it has a compound command (" + c.keyword() + ")");
        }
        Simple simple = (Simple) node;
        if (simple.name().equals("trap")) {
          return notSimple("it sets a trap");
        }
        if (!simple.isEmpty()) {
          last = simple;
        }
      }
    }
    if (last == null || last != finalCommand(statements)) {
      return new ExecRewrite(null, "the script has no final command to exec");
    }
    if (last.name().equals("exec")) {
      return new ExecRewrite(null, "its final command already uses exec");
    }
    int at = last.start();
    if (at < 0 || at > source.length()) {
      return new ExecRewrite(null, "the final command could not be located in the script");
    }
    return new ExecRewrite(source.substring(0, at) + "exec " + source.substring(at), null);
  }

  public boolean rewritten() {
    return script != null;
  }

  private static Simple finalCommand(List<Statement> statements) {
    if (statements.isEmpty()) {
      return null;
    }
    List<Pipeline> ps = statements.get(statements.size() - 1).body().pipelines();
    Node node = ps.get(ps.size() - 1).commands().get(0);
    return node instanceof Simple s ? s : null;
  }

  private static ExecRewrite notSimple(String why) {
    return new ExecRewrite(null, "script is not a simple chain: " + why);
  }
}
