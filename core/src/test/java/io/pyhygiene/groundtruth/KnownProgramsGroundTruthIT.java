package io.pyhygiene.groundtruth;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.workload.Env;
import io.pyhygiene.workload.process.Launcher;
import io.pyhygiene.workload.process.ProcessModel;
import io.pyhygiene.workload.process.ServerOptions;
import io.pyhygiene.workload.process.ServerOptions.Drain;
import io.pyhygiene.workload.shell.ShellDialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What known Python programs do with SIGTERM as PID 1, measured (issue 10), next to what the engine
 * concludes from their command lines: waitress keeps serving (python-pid1), uWSGI reloads unless
 * told die-on-term (uwsgi-reload-on-sigterm), hypercorn drains about 3 s by default, supervisord
 * passes SIGTERM to its program and waits, a Celery worker's warm shutdown waits for its running
 * task unless --time-limit caps it (grace-budget). corpus/groundtruth/RESULTS.md has the wider
 * table these came from.
 */
class KnownProgramsGroundTruthIT {

  @TempDir static Path work;

  static Path bin;

  @BeforeAll
  static void prerequisites() throws Exception {
    bin =
        GroundTruth.venvBin(
            "waitress-serve", "uwsgi", "hypercorn", "supervisord", "celery", "gunicorn");
    GroundTruth.writeApps(work);
    Files.writeString(
        work.resolve("celery_app.py"),
        """
        import os, time
        from celery import Celery
        from celery.signals import worker_ready
        app = Celery("gt", broker="memory://", backend="cache+memory://")
        @app.task
        def slow(seconds):
            print("TASK-START", flush=True)
            time.sleep(seconds)
            print("TASK-DONE", flush=True)
            return "done"
        @worker_ready.connect
        def enqueue(**_):
            # memory:// lives in the worker's process: it sends its own task once ready.
            slow.delay(6)
        """);
  }

  private static String b(String program) {
    return bin.resolve(program).toString();
  }

  private static ProcessModel model(List<String> argv) {
    return ProcessModel.analyze(argv, ShellDialect.DASH);
  }

  @Test
  void waitressKeepsServingAfterSigtermAsPid1() throws Exception {
    int port = Pid1Lab.freePort();
    List<String> argv = List.of(b("waitress-serve"), "--listen=127.0.0.1:" + port, "slowapp:wsgi");
    try (Pid1Lab lab =
        Pid1Lab.start(argv, Map.of(), work, Pid1Lab.accepts(port), Duration.ofSeconds(60))) {
      lab.sigterm();
      assertThat(lab.exitsWithin(Duration.ofSeconds(3)))
          .as("waitress ignores SIGTERM as PID 1")
          .isFalse();
      assertThat(Pid1Lab.accepts(port).test(lab)).as("and keeps serving").isTrue();
    }
    assertThat(model(argv).pythonWithoutHandlerIsPid1()).as("engine: python-pid1").isTrue();
  }

  @Test
  void uwsgiReloadsOnSigtermUnlessDieOnTerm() throws Exception {
    int port = Pid1Lab.freePort();
    List<String> reloads =
        List.of(
            b("uwsgi"),
            "--master",
            "--http-socket",
            "127.0.0.1:" + port,
            "--chdir",
            work.toString(),
            "--module",
            "slowapp:wsgi",
            "--processes",
            "1",
            "--need-app");
    try (Pid1Lab lab =
        Pid1Lab.start(reloads, Map.of(), work, Pid1Lab.accepts(port), Duration.ofSeconds(60))) {
      lab.sigterm();
      assertThat(lab.exitsWithin(Duration.ofSeconds(4))).as("SIGTERM reloads uWSGI 2.0").isFalse();
    }
    assertThat(model(reloads).appReloadsOnSigterm()).as("engine: reloads").isTrue();

    int port2 = Pid1Lab.freePort();
    List<String> dies = new ArrayList<>(reloads);
    dies.set(dies.indexOf("127.0.0.1:" + port), "127.0.0.1:" + port2);
    dies.add("--die-on-term");
    try (Pid1Lab lab =
        Pid1Lab.start(dies, Map.of(), work, Pid1Lab.accepts(port2), Duration.ofSeconds(60))) {
      try (GroundTruth.SlowRequest request = GroundTruth.SlowRequest.start(port2, 10)) {
        lab.sigterm();
        assertThat(lab.exitsWithin(Duration.ofSeconds(4))).as("die-on-term: it exits").isTrue();
        assertThat(request.answered()).as("... without draining the request").isFalse();
      }
    }
    assertThat(model(dies).appReloadsOnSigterm()).isFalse();
    assertThat(ServerOptions.of(model(dies).app().orElseThrow(), Env.empty()).drain().kind())
        .as("engine: die-on-term is no drain")
        .isEqualTo(Drain.Kind.NONE);
  }

  @Test
  void hypercornDrainsAboutThreeSecondsByDefault() throws Exception {
    int port = Pid1Lab.freePort();
    List<String> argv =
        List.of(b("hypercorn"), "--bind", "127.0.0.1:" + port, "--root-path", "", "slowapp:asgi");
    double seconds;
    try (Pid1Lab lab =
        Pid1Lab.start(argv, Map.of(), work, Pid1Lab.accepts(port), Duration.ofSeconds(60))) {
      try (GroundTruth.SlowRequest request = GroundTruth.SlowRequest.start(port, 30)) {
        long t0 = System.nanoTime();
        lab.sigterm();
        assertThat(lab.exitsWithin(Duration.ofSeconds(10))).as("hypercorn exits").isTrue();
        seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(request.answered()).as("the 30 s request is cut at the drain bound").isFalse();
      }
    }
    Drain drain = ServerOptions.of(Launcher.recognize(argv).orElseThrow(), Env.empty()).drain();
    assertThat(drain.kind()).isEqualTo(Drain.Kind.BOUNDED);
    assertThat(seconds)
        .as("measured drain vs the engine's %s s", drain.seconds())
        .isBetween(drain.seconds() - 1.0, drain.seconds() + 3.0);
    assertThat(model(argv).pythonWithoutHandlerIsPid1()).isFalse();
  }

  @Test
  void supervisordPassesSigtermOnAndWaitsForItsProgram() throws Exception {
    int port = Pid1Lab.freePort();
    Path conf = work.resolve("supervisord.conf");
    Files.writeString(
        conf,
        """
        [supervisord]
        nodaemon=true
        logfile=/dev/null
        logfile_maxbytes=0
        pidfile=%1$s/supervisord.pid

        [program:app]
        command=%2$s -w 1 -b 127.0.0.1:%3$d --chdir %1$s --graceful-timeout 30 slowapp:wsgi
        stopwaitsecs=20
        stopsignal=TERM
        autorestart=false
        startsecs=0
        stdout_logfile=/dev/stdout
        stdout_logfile_maxbytes=0
        redirect_stderr=true
        """
            .formatted(work, b("gunicorn"), port));
    List<String> argv = List.of(b("supervisord"), "-c", conf.toString());
    try (Pid1Lab lab =
        Pid1Lab.start(argv, Map.of(), work, Pid1Lab.accepts(port), Duration.ofSeconds(60))) {
      try (GroundTruth.SlowRequest request = GroundTruth.SlowRequest.start(port, 2)) {
        lab.sigterm();
        assertThat(lab.exitsWithin(Duration.ofSeconds(15))).as("supervisord exits").isTrue();
        assertThat(request.answered()).as("gunicorn drained the request first").isTrue();
      }
    }
    assertThat(model(argv).pythonWithoutHandlerIsPid1()).as("engine: not python-pid1").isFalse();
  }

  @Test
  void celeryWarmShutdownWaitsForTheRunningTaskUnlessATimeLimitCapsIt() throws Exception {
    List<String> unbounded =
        List.of(b("celery"), "-A", "celery_app", "worker", "-c", "1", "--loglevel", "INFO");
    double seconds = celeryShutdownSeconds(unbounded, true);
    assertThat(seconds).as("the 6 s task completes before the worker exits").isGreaterThan(3.0);
    assertThat(ServerOptions.of(model(unbounded).app().orElseThrow(), Env.empty()).drain().kind())
        .as("engine: unbounded warm shutdown")
        .isEqualTo(Drain.Kind.UNBOUNDED);

    List<String> capped = new ArrayList<>(unbounded);
    capped.addAll(List.of("--time-limit", "2"));
    celeryShutdownSeconds(capped, false);
    assertThat(ServerOptions.of(model(capped).app().orElseThrow(), Env.empty()).drain())
        .extracting(Drain::kind, Drain::seconds)
        .containsExactly(Drain.Kind.BOUNDED, 2);
    assertThat(model(unbounded).pythonWithoutHandlerIsPid1()).isFalse();
  }

  /** SIGTERM once the task runs; returns seconds to exit and checks whether the task finished. */
  private static double celeryShutdownSeconds(List<String> argv, boolean taskFinishes)
      throws Exception {
    try (Pid1Lab lab =
        Pid1Lab.start(
            argv,
            Map.of("PYTHONPATH", work.toString()),
            work,
            Pid1Lab.prints("TASK-START"),
            Duration.ofSeconds(90))) {
      long t0 = System.nanoTime();
      lab.sigterm();
      assertThat(lab.exitsWithin(Duration.ofSeconds(30)))
          .as("the worker exits: %s", lab.output())
          .isTrue();
      assertThat(lab.printed("TASK-DONE")).as("the running task finished").isEqualTo(taskFinishes);
      return (System.nanoTime() - t0) / 1e9;
    }
  }
}
