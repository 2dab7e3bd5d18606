package io.pyhygiene.groundtruth;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.workload.Env;
import io.pyhygiene.workload.process.Launcher;
import io.pyhygiene.workload.process.ProcessModel;
import io.pyhygiene.workload.process.ServerOptions;
import io.pyhygiene.workload.process.ServerOptions.Drain;
import io.pyhygiene.workload.shell.ShellDialect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real gunicorn and uvicorn as PID 1, with a slow request in flight when SIGTERM arrives: they
 * install their own SIGTERM handlers (so they are not {@code python-pid1}), and their drain is
 * bounded by exactly the options {@code grace-budget} reads: gunicorn's {@code --graceful-timeout},
 * uvicorn's {@code --timeout-graceful-shutdown} (unbounded without it). The request is known to be
 * in flight when its first chunk has arrived; whether it was answered is whether its last did.
 *
 * <p>Uses the virtualenv that {@code make test} creates ({@code PYHYGIENE_VENV}, default {@code
 * ~/.cache/pyhygiene/venv}) with the servers from PyPI.
 */
class ServerDrainGroundTruthIT {

  @TempDir static Path work;

  static Path venvBin;

  @BeforeAll
  static void prerequisites() throws Exception {
    venvBin = GroundTruth.venvBin("gunicorn", "uvicorn");
    GroundTruth.writeApps(work);
  }

  /** Starts the server as PID 1, puts a 30 s request in flight, sends SIGTERM; seconds to exit. */
  private static double drainSeconds(List<String> serverArgv, int port) throws Exception {
    try (Pid1Lab lab =
        Pid1Lab.start(serverArgv, Map.of(), work, Pid1Lab.accepts(port), Duration.ofSeconds(60))) {
      assertThat(lab.pid1CommandLine()).contains(serverArgv.get(0));
      try (GroundTruth.SlowRequest request = GroundTruth.SlowRequest.start(port, 30)) {
        long t0 = System.nanoTime();
        lab.sigterm();
        boolean exited = lab.exitsWithin(Duration.ofSeconds(8));
        return exited ? (System.nanoTime() - t0) / 1e9 : Double.POSITIVE_INFINITY;
      }
    }
  }

  private static Drain engineDrain(List<String> argv) {
    ProcessModel p = ProcessModel.analyze(argv, ShellDialect.DASH);
    assertThat(p.pythonWithoutHandlerIsPid1()).as("a known server is not python-pid1").isFalse();
    return ServerOptions.of(Launcher.recognize(argv).orElseThrow(), Env.empty()).drain();
  }

  @Test
  void gunicornDrainIsBoundedByGracefulTimeout() throws Exception {
    int port = Pid1Lab.freePort();
    List<String> argv =
        List.of(
            venvBin.resolve("gunicorn").toString(),
            "--chdir",
            work.toString(),
            "--bind",
            "127.0.0.1:" + port,
            "--graceful-timeout",
            "2",
            "slowapp:wsgi");
    double seconds = drainSeconds(argv, port);
    assertThat(seconds)
        .as("gunicorn exits after --graceful-timeout 2, not after the 30 s request")
        .isBetween(1.5, 6.0);
    assertThat(engineDrain(argv)).isEqualTo(new Drain(Drain.Kind.BOUNDED, 2, "--graceful-timeout"));
  }

  @Test
  void uvicornWithoutTimeoutWaitsForTheRequest() throws Exception {
    int port = Pid1Lab.freePort();
    List<String> argv =
        List.of(
            venvBin.resolve("uvicorn").toString(),
            "--app-dir",
            work.toString(),
            "--host",
            "127.0.0.1",
            "--port",
            String.valueOf(port),
            "slowapp:asgi");
    assertThat(drainSeconds(argv, port)).as("uvicorn keeps draining past 8 s").isInfinite();
    assertThat(engineDrain(argv).kind()).isEqualTo(Drain.Kind.UNBOUNDED);
  }

  @Test
  void uvicornTimeoutGracefulShutdownBoundsTheDrain() throws Exception {
    int port = Pid1Lab.freePort();
    List<String> argv =
        List.of(
            venvBin.resolve("uvicorn").toString(),
            "--app-dir",
            work.toString(),
            "--host",
            "127.0.0.1",
            "--port",
            String.valueOf(port),
            "--timeout-graceful-shutdown",
            "2",
            "slowapp:asgi");
    assertThat(drainSeconds(argv, port)).isBetween(1.5, 6.0);
    assertThat(engineDrain(argv))
        .isEqualTo(new Drain(Drain.Kind.BOUNDED, 2, "--timeout-graceful-shutdown"));
  }
}
