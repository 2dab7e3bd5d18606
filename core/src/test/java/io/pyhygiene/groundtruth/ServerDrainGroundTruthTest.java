package io.pyhygiene.groundtruth;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.workload.Env;
import io.pyhygiene.workload.process.Launcher;
import io.pyhygiene.workload.process.ProcessModel;
import io.pyhygiene.workload.process.ServerOptions;
import io.pyhygiene.workload.process.ServerOptions.Drain;
import io.pyhygiene.workload.shell.ShellDialect;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real gunicorn and uvicorn as PID 1, with a slow request in flight when SIGTERM arrives: they
 * install their own SIGTERM handlers (so they are not {@code python-pid1}), and their drain is
 * bounded by exactly the options {@code grace-budget} reads: gunicorn's {@code --graceful-timeout},
 * uvicorn's {@code --timeout-graceful-shutdown} (unbounded without it).
 *
 * <p>Uses the virtualenv that {@code make test} creates ({@code PYHYGIENE_VENV}, default
 * {@code ~/.cache/pyhygiene/venv}) with gunicorn and uvicorn from PyPI.
 */
class ServerDrainGroundTruthTest {

  @TempDir
  static Path work;

  static Path venvBin;

  @BeforeAll
  static void prerequisites() throws Exception {
    // Where scripts/test-deps.sh puts it: $PYHYGIENE_VENV, else $PYHYGIENE_CACHE/venv.
    String cache = System.getenv().getOrDefault("PYHYGIENE_CACHE",
        System.getProperty("user.home") + "/.cache/pyhygiene");
    String venv = System.getenv().getOrDefault("PYHYGIENE_VENV", cache + "/venv");
    venvBin = Path.of(venv, "bin");
    assertThat(venvBin.resolve("gunicorn")).as("gunicorn in %s (make test-deps)", venv).exists();
    assertThat(venvBin.resolve("uvicorn")).as("uvicorn in %s (make test-deps)", venv).exists();
    Files.writeString(work.resolve("slowapp.py"), """
        import time, pathlib, sys

        def wsgi(environ, start_response):
            time.sleep(float(environ.get("QUERY_STRING") or "0"))
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]

        async def asgi(scope, receive, send):
            import asyncio
            if scope["type"] == "lifespan":
                while True:
                    message = await receive()
                    if message["type"] == "lifespan.startup":
                        await send({"type": "lifespan.startup.complete"})
                    elif message["type"] == "lifespan.shutdown":
                        await send({"type": "lifespan.shutdown.complete"})
                        return
            await asyncio.sleep(float(scope.get("query_string", b"0") or b"0"))
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
        """);
  }

  /** Starts the server as PID 1, puts a 30 s request in flight, sends SIGTERM; seconds to exit. */
  private static double drainSeconds(List<String> serverArgv, Path socket) throws Exception {
    List<String> argv = new ArrayList<>(serverArgv);
    try (Pid1Lab lab = Pid1Lab.start(argv, socket, Duration.ofSeconds(30))) {
      assertThat(lab.pid1CommandLine()).contains(serverArgv.get(0));
      SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(ByteBuffer.wrap("GET /?30 HTTP/1.1\r\nHost: x\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII)));
      Thread.sleep(700); // the request is now being served
      long t0 = System.nanoTime();
      lab.sigterm();
      boolean exited = lab.exitsWithin(Duration.ofSeconds(8));
      ch.close();
      return exited ? (System.nanoTime() - t0) / 1e9 : Double.POSITIVE_INFINITY;
    }
  }

  private static Drain engineDrain(List<String> argv) {
    ProcessModel p = ProcessModel.analyze(argv, ShellDialect.DASH);
    assertThat(p.pythonWithoutHandlerIsPid1()).as("a known server is not python-pid1").isFalse();
    return ServerOptions.of(Launcher.recognize(argv).orElseThrow(), Env.empty()).drain();
  }

  @Test
  void gunicornDrainIsBoundedByGracefulTimeout() throws Exception {
    Path socket = work.resolve("g.sock");
    List<String> argv = List.of(venvBin.resolve("gunicorn").toString(), "--chdir",
        work.toString(), "--bind", "unix:" + socket, "--graceful-timeout", "2", "slowapp:wsgi");
    double seconds = drainSeconds(argv, socket);
    assertThat(seconds).as("gunicorn exits after --graceful-timeout 2, not after the 30 s request")
        .isBetween(1.5, 6.0);
    assertThat(engineDrain(argv)).isEqualTo(new Drain(Drain.Kind.BOUNDED, 2, "--graceful-timeout"));
  }

  @Test
  void uvicornWithoutTimeoutWaitsForTheRequest() throws Exception {
    Path socket = work.resolve("u1.sock");
    List<String> argv = List.of(venvBin.resolve("uvicorn").toString(), "--app-dir",
        work.toString(), "--uds", socket.toString(), "slowapp:asgi");
    assertThat(drainSeconds(argv, socket)).as("uvicorn keeps draining past 8 s").isInfinite();
    assertThat(engineDrain(argv).kind()).isEqualTo(Drain.Kind.UNBOUNDED);
  }

  @Test
  void uvicornTimeoutGracefulShutdownBoundsTheDrain() throws Exception {
    Path socket = work.resolve("u2.sock");
    List<String> argv = List.of(venvBin.resolve("uvicorn").toString(), "--app-dir",
        work.toString(), "--uds", socket.toString(), "--timeout-graceful-shutdown", "2",
        "slowapp:asgi");
    assertThat(drainSeconds(argv, socket)).isBetween(1.5, 6.0);
    assertThat(engineDrain(argv))
        .isEqualTo(new Drain(Drain.Kind.BOUNDED, 2, "--timeout-graceful-shutdown"));
  }
}
