package io.pyhygiene.workload.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.workload.process.ProcessModel.Pid1;
import io.pyhygiene.workload.process.ProcessModel.Placement;
import io.pyhygiene.workload.shell.ShellDialect;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProcessModelTest {

  private static ProcessModel debian(String... argv) {
    return ProcessModel.analyze(List.of(argv), ShellDialect.DASH);
  }

  private static ProcessModel alpine(String... argv) {
    return ProcessModel.analyze(List.of(argv), ShellDialect.ASH);
  }

  @Test
  void dashKeepsPid1WithoutExec() {
    ProcessModel p = debian("sh", "-c", "python3 app.py");
    assertThat(p.pid1()).isEqualTo(Pid1.SHELL);
    assertThat(p.shell()).isEqualTo(ShellDialect.DASH);
    assertThat(p.placement()).isEqualTo(Placement.CHILD_OF_SHELL);
    assertThat(p.shellSwallowsSigterm()).isTrue();
    assertThat(p.app()).map(Launcher::describe).contains("python3 app.py");
    assertThat(p.shellReason()).contains("never replaces itself");
  }

  @Test
  void execAfterAndAndMakesTheAppPid1() {
    ProcessModel p = debian("/bin/sh", "-c", "cd /app && exec gunicorn app:app -w 4");
    assertThat(p.pid1()).isEqualTo(Pid1.APP);
    assertThat(p.placement()).isEqualTo(Placement.EXPLICIT_EXEC);
    assertThat(p.app().orElseThrow().kind()).isEqualTo(LauncherKind.GUNICORN);
    assertThat(p.shellSwallowsSigterm()).isFalse();
  }

  @Test
  void quotedScriptsAndEscapesAreUnderstood() {
    ProcessModel p =
        debian(
            "sh",
            "-c",
            "echo \"starting; not a separator\" && exec 'gunicorn' --bind \"0.0.0.0:8000\" app:app");
    assertThat(p.pid1()).isEqualTo(Pid1.APP);
    assertThat(p.app().orElseThrow().args()).containsExactly("--bind", "0.0.0.0:8000", "app:app");
  }

  @Test
  void combinedShellFlagsStillFindTheScript() {
    assertThat(debian("bash", "-ec", "python3 app.py").pid1()).isEqualTo(Pid1.APP);
    assertThat(debian("bash", "-o", "pipefail", "-c", "python3 app.py | tee log").pid1())
        .isEqualTo(Pid1.SHELL);
  }

  @ParameterizedTest(name = "bash -c \"{0}\" -> PID 1 is {1}")
  @CsvSource(
      delimiterString = "=>",
      value = {
        "python3 app.py                       => APP",
        "true && python3 app.py               => APP",
        "true; python3 app.py                 => APP",
        "false || python3 app.py              => APP",
        "X=1 python3 app.py                   => APP",
        "python3 app.py; echo done            => SHELL",
        "python3 app.py | cat                 => SHELL",
        "python3 app.py &                     => SHELL",
        "(python3 app.py)                     => SHELL",
        "{ python3 app.py; }                  => SHELL",
        "python3 app.py > /dev/null           => SHELL",
        "! python3 app.py                     => SHELL",
        "trap 'echo' USR1; python3 app.py     => SHELL",
        "if true; then python3 app.py; fi     => SHELL",
        "exec 2>&1; python3 app.py            => APP",
        "cd /app && exec python3 app.py > log => APP"
      })
  void bashExecsOnlyAPlainFinalCommand(String script, Pid1 expected) {
    assertThat(debian("bash", "-c", script).pid1()).isEqualTo(expected);
  }

  @ParameterizedTest(name = "busybox ash -c \"{0}\" -> PID 1 is {1}")
  @CsvSource(
      delimiterString = "=>",
      value = {
        "python3 app.py                   => APP",
        "true && python3 app.py           => APP",
        "python3 app.py > /dev/null       => APP",
        "(python3 app.py)                 => APP",
        "{ python3 app.py; }              => APP",
        "if true; then python3 app.py; fi => APP",
        "python3 app.py; echo done        => SHELL",
        "python3 app.py | cat             => SHELL",
        "python3 app.py &                 => SHELL",
        "! python3 app.py                 => SHELL",
        "trap 'echo' USR1; python3 app.py => SHELL"
      })
  void busyboxAshExecsTheFinalCommandEvenInGroups(String script, Pid1 expected) {
    assertThat(debian("busybox", "sh", "-c", script).pid1()).isEqualTo(expected);
    assertThat(alpine("sh", "-c", script).pid1()).isEqualTo(expected);
  }

  @ParameterizedTest(name = "dash -c \"{0}\" -> PID 1 is {1}")
  @CsvSource(
      delimiterString = "=>",
      value = {
        "python3 app.py                         => SHELL",
        "true && python3 app.py                 => SHELL",
        "exec python3 app.py                    => APP",
        "{ exec python3 app.py; }               => APP",
        "if true; then exec python3 app.py; fi  => APP",
        "exec python3 app.py | cat              => SHELL",
        "(exec python3 app.py)                  => SHELL",
        "X=1 exec python3 app.py                => APP"
      })
  void dashNeverExecsImplicitly(String script, Pid1 expected) {
    assertThat(debian("sh", "-c", script).pid1()).isEqualTo(expected);
  }

  @Test
  void shellReasonsNameWhatKeepsTheShell() {
    assertThat(debian("bash", "-c", "gunicorn app:app > /log").shellReason())
        .contains("redirections");
    assertThat(debian("bash", "-c", "gunicorn app:app | tee log").shellReason())
        .contains("pipeline");
    assertThat(debian("bash", "-c", "gunicorn app:app; echo done").shellReason())
        .contains("more commands follow");
    assertThat(debian("bash", "-c", "gunicorn app:app &").shellReason()).contains("background");
  }

  @Test
  void forwardingTrapMustWaitAgain() {
    ProcessModel waits =
        debian("sh", "-c", "trap 'kill -TERM $P; wait $P' TERM; gunicorn app:app & P=$!; wait $P");
    assertThat(waits.pid1()).isEqualTo(Pid1.SHELL);
    assertThat(waits.forwardsSignals()).isTrue();
    assertThat(waits.shellSwallowsSigterm()).isFalse();

    ProcessModel twoWaits =
        debian("sh", "-c", "trap 'kill -TERM $P' TERM; gunicorn app:app & P=$!; wait $P; wait $P");
    assertThat(twoWaits.forwardsSignals()).isTrue();

    ProcessModel exitsEarly =
        debian("sh", "-c", "trap 'kill -TERM $P' TERM; gunicorn app:app & P=$!; wait $P");
    assertThat(exitsEarly.forwardsSignals()).isFalse();
    assertThat(exitsEarly.shellSwallowsSigterm()).isTrue();
    assertThat(exitsEarly.shellReason()).contains("does not wait");
  }

  @Test
  void positionalParametersFeedExecDollarAt() {
    ProcessModel p = debian("sh", "-c", "exec \"$@\"", "--", "gunicorn", "app:app", "-w", "2");
    assertThat(p.pid1()).isEqualTo(Pid1.APP);
    assertThat(p.app().orElseThrow().kind()).isEqualTo(LauncherKind.GUNICORN);
    assertThat(p.app().orElseThrow().args()).containsExactly("app:app", "-w", "2");
  }

  @Test
  void initsKeepPid1AndForward() {
    ProcessModel p = debian("tini", "--", "sh", "-c", "exec gunicorn app:app");
    assertThat(p.pid1()).isEqualTo(Pid1.INIT);
    assertThat(p.placement()).isEqualTo(Placement.CHILD_OF_INIT);
    assertThat(p.shellSwallowsSigterm()).isFalse();
    assertThat(p.app().orElseThrow().kind()).isEqualTo(LauncherKind.GUNICORN);
    // Measured: without exec the shell dies on the forwarded SIGTERM and the init follows it.
    ProcessModel noExec = debian("tini", "--", "sh", "-c", "gunicorn app:app");
    assertThat(noExec.pid1()).isEqualTo(Pid1.INIT);
    assertThat(noExec.shellSwallowsSigterm()).isTrue();
    assertThat(noExec.shellReason()).contains("tini exits with it");
    assertThat(debian("dumb-init", "--rewrite", "15:2", "python", "app.py").pid1())
        .isEqualTo(Pid1.INIT);
    assertThat(debian("/usr/bin/catatonit", "--", "python3", "-m", "worker").pid1())
        .isEqualTo(Pid1.INIT);
  }

  @Test
  void execWrappersAreTransparent() {
    assertThat(debian("env", "FOO=1", "python3", "app.py").pythonWithoutHandlerIsPid1()).isTrue();
    assertThat(debian("gosu", "app", "python3", "app.py").pythonWithoutHandlerIsPid1()).isTrue();
    ProcessModel ddtrace = debian("ddtrace-run", "gunicorn", "app:app");
    assertThat(ddtrace.pid1()).isEqualTo(Pid1.APP);
    assertThat(ddtrace.app().orElseThrow().kind()).isEqualTo(LauncherKind.GUNICORN);
    assertThat(debian("sh", "-c", "exec su-exec app:app gunicorn app:app").pid1())
        .isEqualTo(Pid1.APP);
  }

  @Test
  void pythonPid1DistinguishesServersFromScripts() {
    assertThat(debian("python", "app.py").pythonWithoutHandlerIsPid1()).isTrue();
    assertThat(debian("python3.12", "-u", "worker.py").pythonWithoutHandlerIsPid1()).isTrue();
    assertThat(debian("python", "-m", "mypkg").pythonWithoutHandlerIsPid1()).isTrue();
    assertThat(debian("python", "-m", "gunicorn", "app:app").pythonWithoutHandlerIsPid1())
        .isFalse();
    assertThat(debian("/usr/local/bin/gunicorn", "app:app").pythonWithoutHandlerIsPid1()).isFalse();
    assertThat(debian("celery", "-A", "proj", "worker").pythonWithoutHandlerIsPid1()).isFalse();
    assertThat(debian("bash", "-c", "python3 app.py").placement())
        .isEqualTo(Placement.IMPLICIT_EXEC);
  }

  @Test
  void aShellRunningAScriptFileKeepsPid1UnlessTheFileEndsInExec() {
    // Measured (corpus/groundtruth): bash, dash and busybox keep PID 1 while a script file runs.
    for (String shell : List.of("sh", "bash", "/bin/ash")) {
      ProcessModel file = debian(shell, "/app/start.sh");
      assertThat(file.pid1()).isEqualTo(Pid1.SHELL);
      assertThat(file.placement()).isEqualTo(Placement.CHILD_OF_SHELL);
      assertThat(file.shellSwallowsSigterm()).isTrue();
      assertThat(file.shellReason()).contains("runs the script file start.sh");
      assertThat(file.assumptions()).containsExactly("start.sh does not end in exec");
    }
  }

  @Test
  void aKnownScriptFileIsReadNotGuessed() {
    String body = "#!/bin/bash\npip install -r /extra.txt || true\nexec locust \"$@\"\n";
    ProcessModel execs =
        ProcessModel.analyze(
            List.of("sh", "/config/start.sh", "-f", "x.py"),
            ShellDialect.DASH,
            java.util.Map.of("/config/start.sh", body));
    assertThat(execs.pid1()).isEqualTo(Pid1.APP);
    assertThat(execs.app().orElseThrow().kind()).isEqualTo(LauncherKind.LOCUST);
    assertThat(execs.app().orElseThrow().args()).containsExactly("-f", "x.py");
    assertThat(execs.assumptions()).isEmpty();
    // bash running a file does not exec its final command by itself (measured).
    ProcessModel keeps =
        ProcessModel.analyze(
            List.of("/config/run"),
            ShellDialect.DASH,
            java.util.Map.of("/config/run", "#!/bin/bash\ncd /app\ngunicorn app:app\n"));
    assertThat(keeps.pid1()).isEqualTo(Pid1.SHELL);
    assertThat(keeps.shellSwallowsSigterm()).isTrue();
    assertThat(keeps.shellReason()).contains("script file run");
  }

  @Test
  void conventionalEntrypointScriptsAreSeenThroughWithTheAssumptionStated() {
    ProcessModel p = debian("/usr/bin/dumb-init", "--", "/entrypoint", "python", "-u", "app.py");
    assertThat(p.pid1()).isEqualTo(Pid1.INIT);
    assertThat(p.app().orElseThrow().kind()).isEqualTo(LauncherKind.PYTHON);
    assertThat(p.assumptions()).containsExactly("/entrypoint ends in exec \"$@\"");
    ProcessModel direct = debian("docker-entrypoint.sh", "gunicorn", "app:app");
    assertThat(direct.pid1()).isEqualTo(Pid1.APP);
    assertThat(direct.app().orElseThrow().kind()).isEqualTo(LauncherKind.GUNICORN);
  }

  @Test
  void knownProgramsAndTheirSigtermBehaviour() {
    assertThat(debian("python", "manage.py", "rqworker", "high").pythonWithoutHandlerIsPid1())
        .isFalse();
    assertThat(debian("python", "manage.py", "runserver").pythonWithoutHandlerIsPid1()).isTrue();
    assertThat(debian("waitress-serve", "--port=8080", "app:app").pythonWithoutHandlerIsPid1())
        .isTrue();
    assertThat(debian("uwsgi", "--http", ":8000").appReloadsOnSigterm()).isTrue();
    assertThat(debian("uwsgi", "--http", ":8000", "--die-on-term").appReloadsOnSigterm()).isFalse();
    for (String program :
        List.of(
            "sentry",
            "snuba",
            "airflow",
            "jupyterhub",
            "prefect",
            "streamlit",
            "supervisord",
            "dramatiq",
            "rq",
            "locust",
            "python3.11")) {
      assertThat(debian(program, "x").launchers()).as(program).isNotEmpty();
    }
  }

  @Test
  void unknownProgramsAreNotGuessed() {
    assertThat(debian("/app/server").pid1()).isEqualTo(Pid1.OTHER);
    assertThat(ProcessModel.analyze(List.of(), ShellDialect.DASH).pid1()).isEqualTo(Pid1.UNKNOWN);
  }

  @Test
  void nonPythonLongRunningChildOfAShellStillCounts() {
    ProcessModel p = debian("sh", "-c", "./migrate.sh && ./start-server --port 8000");
    assertThat(p.shellSwallowsSigterm()).isTrue();
    assertThat(p.mainProgram()).isEqualTo("start-server");
  }

  @Test
  void launchersInsideScriptsAreFoundForDetection() {
    ProcessModel p = debian("sh", "-c", "python manage.py migrate && exec uvicorn app:app");
    assertThat(p.launchers())
        .extracting(Launcher::kind)
        .containsExactly(LauncherKind.PYTHON, LauncherKind.UVICORN);
    assertThat(p.app().orElseThrow().kind()).isEqualTo(LauncherKind.UVICORN);
  }

  @Test
  void runnersKeepTheirChild() {
    ProcessModel p = debian("uv", "run", "--frozen", "gunicorn", "app:app");
    assertThat(p.pid1()).isEqualTo(Pid1.OTHER);
    assertThat(p.app().orElseThrow().kind()).isEqualTo(LauncherKind.GUNICORN);
  }
}
