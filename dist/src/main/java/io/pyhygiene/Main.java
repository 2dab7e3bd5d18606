package io.pyhygiene;

import io.pyhygiene.cli.AuditCommand;
import io.pyhygiene.cli.RulesCommand;
import io.pyhygiene.operator.RunCommand;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Composition root: the {@code pyhygiene} command and its subcommands. */
@Command(
    name = "pyhygiene",
    mixinStandardHelpOptions = true,
    versionProvider = Main.VersionProvider.class,
    description = {
      "Keeps Python services on Kubernetes production-safe: signal handling, shutdown budgets,"
          + " worker memory, security context and runtime hygiene.",
      ""
    },
    commandListHeading = "%nCommands:%n",
    footer = {"", "Run 'pyhygiene COMMAND --help' for a command's options."})
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    boolean operator = args.length > 0 && args[0].equals("run");
    if (!operator && System.getenv("PYHYGIENE_LOG_LEVEL") == null) {
      // The CLI's output is its report: no logging system at all (starting logback costs more
      // than auditing 100 Deployments). PYHYGIENE_LOG_LEVEL brings the library logs back.
      System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
      System.setProperty("slf4j.internal.verbosity", "WARN");
    }
    System.exit(
        run(args, System.in, System.out, System.err, System.getenv(), System.console() != null));
  }

  /** Runs the CLI with explicit streams; returns the exit code. */
  public static int run(
      String[] args,
      InputStream in,
      OutputStream out,
      OutputStream err,
      Map<String, String> environment,
      boolean terminal) {
    PrintWriter stdout = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
    PrintWriter stderr = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
    CommandLine cli =
        new CommandLine(new Main())
            .addSubcommand(new AuditCommand(in, environment, terminal))
            .addSubcommand(new RulesCommand())
            .addSubcommand(new RunCommand(environment))
            .setCaseInsensitiveEnumValuesAllowed(true)
            .setOut(stdout)
            .setErr(stderr);
    cli.setExecutionStrategy(new CommandLine.RunLast());
    // The kubectl plugin launcher says how it was called, so help reads "kubectl pyhygiene".
    String name = environment.get("PYHYGIENE_COMMAND_NAME");
    if (name != null && !name.isBlank()) {
      cli.setCommandName(name.trim());
    }
    if (args.length > 0
        && (args[0].equals("run")
            || (args.length > 1 && args[0].equals("help") && args[1].equals("run")))) {
      // The operator's settings, only for `run` (and `run --help`): the CLI's commands never
      // load the operator's classes.
      cli.getSubcommands()
          .get("run")
          .getCommandSpec()
          .usageMessage()
          .description(
              concat(
                  cli.getSubcommands().get("run").getCommandSpec().usageMessage().description(),
                  RunCommand.variablesHelp()));
    }
    if (args.length == 0) {
      // `pyhygiene` (or `kubectl pyhygiene`) alone: the help, as a question, not an error
      cli.usage(stdout);
      stdout.flush();
      return 0;
    }
    int code = cli.execute(args);
    stdout.flush();
    stderr.flush();
    return code;
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"pyhygiene " + Versions.current()};
    }
  }
}
