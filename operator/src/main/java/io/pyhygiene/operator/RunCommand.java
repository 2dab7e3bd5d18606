package io.pyhygiene.operator;

import io.fabric8.kubernetes.client.Config;
import io.pyhygiene.operator.config.OperatorSettings;
import io.pyhygiene.operator.config.Setting;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code pyhygiene run}: the operator. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run the operator: keep every Python Deployment selected by a PythonHygienePolicy"
          + " audited, continuously (labels, annotations, Events, PolicyReports, metrics,"
          + " optional remediation).",
      "",
      "Connects like kubectl: KUBECONFIG or ~/.kube/config, else the in-cluster service"
          + " account. Configured by environment variables (a bad value stops start-up):"
    },
    footer = {"%nStops gracefully on SIGTERM: in-flight reconciles finish, the lease is released."})
public final class RunCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  private final Map<String, String> environment;

  public RunCommand(Map<String, String> environment) {
    this.environment = environment;
  }

  /** Lists the environment variables in --help: the same {@link Setting}s the guide documents. */
  public static String[] variablesHelp() {
    return OperatorSettings.SETTINGS.stream()
        .flatMap(
            s ->
                Stream.of(
                    "  " + s.key() + " (default: " + s.documentedDefault().replace("`", "") + ")",
                    "      " + s.description()))
        .toArray(String[]::new);
  }

  @Override
  public Integer call() throws Exception {
    OperatorSettings settings;
    try {
      settings = OperatorSettings.fromEnvironment(environment);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("pyhygiene run: " + e.getMessage());
      return 2;
    }
    OperatorApp app;
    try {
      app = new OperatorApp(settings, Config.autoConfigure(null));
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("pyhygiene run: " + e.getMessage());
      return 2;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    // SIGTERM is the kubelet's (and a rollout's) normal way to stop the operator: handled
    // here, it is a clean stop with exit code 0, so the pod ends "Completed", not "Error"
    // with 143 as the JVM's default handler would make it. The shutdown hook stays for
    // SIGINT and for an exit from inside (a lost lease).
    sun.misc.Signal.handle(
        new sun.misc.Signal("TERM"),
        signal -> {
          app.close();
          stopped.countDown();
        });
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  app.close();
                  stopped.countDown();
                },
                "pyhygiene-shutdown"));
    try {
      app.start();
    } catch (IllegalStateException e) {
      spec.commandLine().getErr().println("pyhygiene run: cannot start: " + e.getMessage());
      return 1;
    }
    stopped.await();
    return 0;
  }
}
