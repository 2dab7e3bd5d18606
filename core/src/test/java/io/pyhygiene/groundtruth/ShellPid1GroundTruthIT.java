package io.pyhygiene.groundtruth;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.workload.process.ProcessModel;
import io.pyhygiene.workload.shell.ShellDialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Re-measures DESIGN's "Shells and PID 1" table with real dash, bash and busybox ash, each as PID 1
 * of a fresh PID namespace, and checks that the engine predicts every measured row. The app is a
 * Python script whose SIGTERM handler drains for 300 ms, then prints that it finished and exits: a
 * row counts as "SIGTERM reaches the app" only when that shutdown completes, so a shell or init
 * that lets the app be SIGKILLed mid-drain does not count. An IT ({@code mvn verify}): it needs
 * root and the programs {@code make test} installs.
 *
 * <p>Needs root (for unshare), dash, bash, busybox, tini, dumb-init and python3; {@code make test}
 * installs them. Missing prerequisites fail the test: a ground truth that is not measured is not a
 * ground truth.
 */
class ShellPid1GroundTruthIT {

  @TempDir static Path work;

  static Path app;
  static Path noHandler;

  @BeforeAll
  static void prerequisites() throws Exception {
    assertThat(new ProcessBuilder("id", "-u").start().inputReader().readLine())
        .as("unshare -p needs root")
        .isEqualTo("0");
    for (String tool :
        List.of("unshare", "dash", "bash", "busybox", "tini", "dumb-init", "python3")) {
      assertThat(new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor())
          .as(tool + " must be installed (make test-deps installs it)")
          .isZero();
    }
    app = work.resolve("app.py");
    Files.writeString(
        app,
        """
        import signal, sys, time
        def on_term(*_):
            time.sleep(0.3)  # a short drain: it must be allowed to finish
            print("drained", file=sys.stderr, flush=True)
            sys.exit(0)
        signal.signal(signal.SIGTERM, on_term)
        # stderr: some rows redirect stdout (> /dev/null)
        print("ready", file=sys.stderr, flush=True)
        while True:
            time.sleep(0.05)
        """);
    noHandler = work.resolve("nohandler.py");
    Files.writeString(
        noHandler,
        """
        import time
        print("ready", flush=True)
        while True:
            time.sleep(0.05)
        """);
  }

  /**
   * One measured row.
   *
   * @param pid1IsApp whether PID 1 became the Python app
   * @param appGotSigterm whether the app recorded SIGTERM
   */
  record Measurement(String pid1, boolean pid1IsApp, boolean appGotSigterm) {}

  static Measurement measure(List<String> shellArgvWithScript) throws Exception {
    String appCommand = "python3 " + app;
    List<String> argv = new ArrayList<>();
    for (String a : shellArgvWithScript) {
      argv.add(a.replace("APP", appCommand));
    }
    try (Pid1Lab lab =
        Pid1Lab.start(
            argv, java.util.Map.of(), work, Pid1Lab.prints("ready"), Duration.ofSeconds(20))) {
      String pid1 = lab.pid1Program();
      lab.sigterm();
      boolean got = Pid1Lab.await(() -> lab.printed("drained"), Duration.ofMillis(2000));
      return new Measurement(pid1, pid1.startsWith("python"), got);
    }
  }

  /** The engine's view of the same command line, with the app as a plain {@code python3 app.py}. */
  static ProcessModel predict(List<String> shellArgvWithScript) {
    List<String> argv = new ArrayList<>();
    for (String a : shellArgvWithScript) {
      argv.add(a.replace("APP", "python3 app.py"));
    }
    return ProcessModel.analyze(argv, ShellDialect.DASH); // /bin/sh is dash on this machine
  }

  @ParameterizedTest(name = "{0} -c \"{1}\": PID 1 is the app: {2}, the app shuts down: {3}")
  @CsvSource(
      delimiterString = "=>",
      value = {
        // DESIGN's table
        "sh      => APP                        => false => false",
        "sh      => true && APP                => false => false",
        "sh      => exec APP                   => true  => true",
        "bash    => APP                        => true  => true",
        "bash    => true && APP                => true  => true",
        "bash    => true; APP                  => true  => true",
        "bash    => APP; echo done             => false => false",
        "bash    => APP | cat                  => false => false",
        "busybox => APP                        => true  => true",
        "busybox => true && APP                => true  => true",
        // measured beyond the table, encoded in ShellDialect and ProcessModel
        "bash    => APP > /dev/null            => false => false",
        "bash    => X=1 APP                    => true  => true",
        "bash    => false || APP               => true  => true",
        "bash    => trap 'echo' USR1; APP      => false => false",
        "bash    => (APP)                      => false => false",
        "bash    => { APP; }                   => false => false",
        "bash    => if true; then APP; fi      => false => false",
        "busybox => APP > /dev/null            => true  => true",
        "busybox => (APP)                      => true  => true",
        "busybox => { APP; }                   => true  => true",
        "busybox => if true; then APP; fi      => true  => true",
        "busybox => APP; echo done             => false => false",
        "busybox => APP | cat                  => false => false",
        "busybox => trap 'echo' USR1; APP      => false => false",
        "sh      => { exec APP; }              => true  => true",
        "sh      => exec APP | cat             => false => false",
        "sh      => trap 'kill -TERM $P; wait $P' TERM; APP & P=$!; wait $P => false => true",
        "sh      => trap 'kill -TERM $P' TERM; APP & P=$!; wait $P        => false => false",
        "sh      => trap 'kill -TERM $P' TERM; APP & P=$!; wait $P; wait $P => false => true",
        // an init in front of a shell saves nothing unless the shell execs the app
        "tini -- sh      => APP               => false => false",
        "tini -- sh      => exec APP          => false => true",
        "tini -g -- sh   => APP               => false => false",
        "dumb-init sh    => APP               => false => false",
        "dumb-init sh    => exec APP          => false => true"
      })
  void shellsAsPid1(String shell, String script, boolean pid1IsApp, boolean appGetsSigterm)
      throws Exception {
    List<String> argv = new ArrayList<>(List.of(shell.split("\\s+")));
    if (argv.equals(List.of("busybox"))) {
      argv.add("sh");
    }
    argv.add("-c");
    argv.add(script);

    Measurement m = measure(argv);
    assertThat(m.pid1IsApp()).as("measured: PID 1 is %s", m.pid1()).isEqualTo(pid1IsApp);
    assertThat(m.appGotSigterm())
        .as("measured: the app finished its SIGTERM drain")
        .isEqualTo(appGetsSigterm);

    ProcessModel predicted = predict(argv);
    assertThat(predicted.pid1() == ProcessModel.Pid1.APP)
        .as("engine: PID 1 is the app (%s)", predicted)
        .isEqualTo(m.pid1IsApp());
    boolean predictedDelivery =
        predicted.pid1() == ProcessModel.Pid1.APP
            || (predicted.pid1() != ProcessModel.Pid1.OTHER
                && !predicted.shellSwallowsSigterm()
                && predicted.app().isPresent());
    assertThat(predictedDelivery)
        .as("engine: SIGTERM reaches the app (%s)", predicted)
        .isEqualTo(m.appGotSigterm());
  }

  /**
   * A shell running a script FILE keeps PID 1 whatever the shell (measured for dash, bash and
   * busybox ash), unless the script execs; the engine reads such a script when a ConfigMap holds
   * it, and states the assumption when it cannot see it.
   */
  @ParameterizedTest(name = "{0} running a script file ending in \"{1}\": app is PID 1: {2}")
  @CsvSource(
      delimiterString = "=>",
      value = {
        "bash        => APP       => false",
        "sh          => APP       => false",
        "busybox sh  => APP       => false",
        "bash        => exec APP  => true",
        "sh          => exec APP  => true"
      })
  void scriptFilesKeepPid1UnlessTheyExec(String shell, String last, boolean pid1IsApp)
      throws Exception {
    Path script = Files.createTempFile(work, "start", ".sh");
    String body = "#!/bin/sh\ncd " + work + "\n" + last + "\n";
    Files.writeString(script, body.replace("APP", "python3 " + app));
    List<String> argv = new ArrayList<>(List.of(shell.split("\\s+")));
    argv.add(script.toString());
    Measurement m = measure(argv);
    assertThat(m.pid1IsApp()).as("measured: PID 1 is %s", m.pid1()).isEqualTo(pid1IsApp);
    assertThat(m.appGotSigterm()).as("measured: the app finished its drain").isEqualTo(pid1IsApp);

    ProcessModel known =
        ProcessModel.analyze(
            argv,
            ShellDialect.DASH,
            java.util.Map.of(script.toString(), body.replace("APP", "python3 app.py")));
    assertThat(known.pid1() == ProcessModel.Pid1.APP)
        .as("engine, script known: %s", known)
        .isEqualTo(pid1IsApp);
    assertThat(known.shellSwallowsSigterm()).isEqualTo(!pid1IsApp);
    ProcessModel unseen = ProcessModel.analyze(argv, ShellDialect.DASH);
    assertThat(unseen.shellSwallowsSigterm())
        .as("engine, script unseen: keeps PID 1 unless it" + " execs")
        .isTrue();
    assertThat(unseen.assumptions()).isNotEmpty();
  }

  @Test
  void pythonWithoutHandlerIgnoresSigtermOnlyAsPid1() throws Exception {
    try (Pid1Lab lab =
        Pid1Lab.start(
            List.of("python3", noHandler.toString()),
            java.util.Map.of(),
            work,
            Pid1Lab.prints("ready"),
            Duration.ofSeconds(20))) {
      assertThat(lab.pid1Program()).startsWith("python");
      lab.sigterm();
      assertThat(lab.exitsWithin(Duration.ofMillis(1200)))
          .as("PID 1 has no default action for SIGTERM")
          .isFalse();
    }
    // Control: the same script as an ordinary process dies of SIGTERM at once.
    Process p = new ProcessBuilder("python3", noHandler.toString()).start();
    try {
      assertThat(p.inputReader().readLine()).isEqualTo("ready");
      p.destroy();
      assertThat(p.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(128 + 15);
    } finally {
      p.destroyForcibly();
    }
    assertThat(
            ProcessModel.analyze(List.of("python3", "nohandler.py"), ShellDialect.DASH)
                .pythonWithoutHandlerIsPid1())
        .isTrue();
  }
}
