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
 * connections and bytes each way, and can partition and heal. {@link State#STALL} is a proxy that
 * stops forwarding: open connections stall (nothing read is passed on, so TCP back-pressure stalls
 * the sender too) and new ones are accepted and held unanswered; on heal everything held flows on,
 * as after a real partition heals. {@link State#REFUSE} cuts every connection and refuses new ones
 * (a server that is gone). Connection counts stand in for request counts while the server is
 * unreachable: a client that spins opens connections in a loop.
 */
final class CountingProxy implements AutoCloseable {

  /** What the proxy does with traffic. */
  enum State {
    FORWARD,
    REFUSE,
    STALL
  }

  private final ServerSocket server;
  private final int targetPort;
  private final List<Socket> open = new ArrayList<>();
  private final List<Socket> held = new ArrayList<>();
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong bytesUp = new AtomicLong();
  private final AtomicLong bytesDown = new AtomicLong();
  private final Object gate = new Object();
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

  /** Connection attempts so far (also those refused or held during a partition). */
  long connections() {
    return connections.get();
  }

  long bytesUp() {
    return bytesUp.get();
  }

  long bytesDown() {
    return bytesDown.get();
  }

  /** Partition: {@link State#REFUSE} cuts every open connection; {@link State#STALL} holds them. */
  void partition(State how) {
    synchronized (gate) {
      state = how;
    }
    if (how == State.REFUSE) {
      closeAll();
    }
  }

  /** Forwards again: stalled connections flow on, held ones are connected to the server. */
  void heal() {
    List<Socket> waiting;
    synchronized (gate) {
      state = State.FORWARD;
      gate.notifyAll();
      synchronized (held) {
        waiting = List.copyOf(held);
        held.clear();
      }
    }
    waiting.forEach(this::connect);
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
      synchronized (gate) {
        if (state == State.REFUSE) {
          closeQuietly(client);
          continue;
        }
        track(client);
        if (state == State.STALL) {
          synchronized (held) {
            held.add(client); // accepted, never answered until heal
          }
          continue;
        }
      }
      connect(client);
    }
  }

  private void connect(Socket client) {
    try {
      Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
      track(upstream);
      pump(client, upstream, bytesUp);
      pump(upstream, client, bytesDown);
    } catch (IOException e) {
      closeQuietly(client);
    }
  }

  /** Waits while the proxy stalls; false if interrupted. */
  private boolean awaitForwarding() {
    synchronized (gate) {
      while (state == State.STALL) { // REFUSE passes: its sockets are closed
        try {
          gate.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
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
                  if (!awaitForwarding()) {
                    return;
                  }
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
    synchronized (gate) {
      state = State.REFUSE; // stalled pumps go on, and end with their closed sockets
      gate.notifyAll();
    }
    synchronized (held) {
      held.clear();
    }
    closeAll();
  }
}
