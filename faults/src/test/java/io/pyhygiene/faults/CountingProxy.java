package io.pyhygiene.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy between the operator and the API server (TLS passes through untouched): it counts
 * connections and bytes each way, and can partition (drop every connection and refuse, or
 * black-hole, new ones) and heal. Connection counts stand in for request counts while the server is
 * unreachable: a client that spins opens connections in a loop.
 */
final class CountingProxy implements AutoCloseable {

  /** What the proxy does with traffic. */
  enum State {
    FORWARD,
    REFUSE,
    BLACK_HOLE
  }

  private final ServerSocket server;
  private final int targetPort;
  private final List<Socket> open = new ArrayList<>();
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong bytesUp = new AtomicLong();
  private final AtomicLong bytesDown = new AtomicLong();
  private volatile State state = State.FORWARD;

  CountingProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "proxy-accept-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** Connection attempts so far (also those refused or black-holed during a partition). */
  long connections() {
    return connections.get();
  }

  long bytesUp() {
    return bytesUp.get();
  }

  long bytesDown() {
    return bytesDown.get();
  }

  /** Partition: every open connection is cut; new ones are refused or held unanswered. */
  void partition(State how) {
    state = how;
    closeAll();
  }

  void heal() {
    state = State.FORWARD;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      connections.incrementAndGet();
      State now = state;
      if (now == State.REFUSE) {
        closeQuietly(client);
        continue;
      }
      track(client);
      if (now == State.BLACK_HOLE) {
        continue; // held open, never answered, until heal/close cuts it
      }
      try {
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        track(upstream);
        pump(client, upstream, bytesUp);
        pump(upstream, client, bytesDown);
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  private void pump(Socket from, Socket to, AtomicLong counter) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                  out.write(buf, 0, n);
                  out.flush();
                  counter.addAndGet(n);
                }
              } catch (IOException e) {
                // cut by a partition or closed by either side
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private void track(Socket s) {
    synchronized (open) {
      open.removeIf(Socket::isClosed);
      open.add(s);
    }
  }

  private void closeAll() {
    synchronized (open) {
      open.forEach(CountingProxy::closeQuietly);
      open.clear();
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already gone
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    closeAll();
  }
}
