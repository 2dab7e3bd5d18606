package io.pyhygiene.groundtruth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** What the ground-truth ITs share: the virtualenv, the apps they serve, a slow request. */
final class GroundTruth {

  private GroundTruth() {}

  /** The venv's bin directory ({@code scripts/test-deps.sh} makes it), checking the programs. */
  static Path venvBin(String... programs) throws Exception {
    assertThat(new ProcessBuilder("id", "-u").start().inputReader().readLine())
        .as("unshare -p needs root")
        .isEqualTo("0");
    String cache =
        System.getenv()
            .getOrDefault("PYHYGIENE_CACHE", System.getProperty("user.home") + "/.cache/pyhygiene");
    String venv = System.getenv().getOrDefault("PYHYGIENE_VENV", cache + "/venv");
    Path bin = Path.of(venv, "bin");
    for (String p : programs) {
      assertThat(bin.resolve(p)).as("%s in %s (make test-deps installs it)", p, venv).exists();
    }
    return bin;
  }

  /**
   * The apps: {@code slowapp:wsgi} and {@code slowapp:asgi} answer {@code GET /?N} with a first
   * chunk at once and the last after N seconds, so a client knows when its request is in flight and
   * whether it was answered.
   */
  static void writeApps(Path dir) throws IOException {
    Files.writeString(
        dir.resolve("slowapp.py"),
        """
        import time

        def wsgi(environ, start_response):
            seconds = float(environ.get("QUERY_STRING") or "0")
            start_response("200 OK", [("Content-Type", "text/plain")])
            def body():
                yield b"start\\n"
                time.sleep(seconds)
                yield b"end\\n"
            return body()

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
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"start\\n", "more_body": True})
            await asyncio.sleep(float(scope.get("query_string", b"0") or b"0"))
            await send({"type": "http.response.body", "body": b"end\\n"})
        """);
  }

  /** A request in flight: started, and its first chunk received. */
  static final class SlowRequest implements AutoCloseable {
    private final Socket socket;
    private final StringBuilder received = new StringBuilder();

    private SlowRequest(Socket socket) {
      this.socket = socket;
    }

    static SlowRequest start(int port, int seconds) throws Exception {
      Socket s = new Socket();
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(200);
      s.getOutputStream()
          .write(
              ("GET /?" + seconds + " HTTP/1.1\r\nHost: x\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      SlowRequest r = new SlowRequest(s);
      assertThat(Pid1Lab.await(() -> r.read().contains("start"), Duration.ofSeconds(20)))
          .as("the request is in flight (its first chunk arrived)")
          .isTrue();
      return r;
    }

    /** What arrived so far (non-blocking beyond a short read timeout). */
    String read() {
      try {
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[4096];
        int n = in.read(buf);
        if (n > 0) {
          received.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
        }
      } catch (IOException e) {
        // a read timeout or a closed connection: nothing more now
      }
      return received.toString();
    }

    /** Whether the whole answer arrived. */
    boolean answered() {
      return read().contains("end");
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
