package io.pyhygiene.operator.http;

/** Process-wide settings of the JDK's HTTP server ({@code com.sun.net.httpserver}). */
public final class HttpServers {

  private HttpServers() {}

  /**
   * Turns on TCP_NODELAY for every JDK HTTP server of the process. The server writes a response's
   * headers and body in separate packets; without it, Nagle's algorithm and the client's delayed
   * ACK add ~40 ms to every answer, four times the webhook's latency target. The JDK reads the
   * property once, when the process creates its first server, so a composition root calls this at
   * start-up, before it creates any (a server's constructor would be too late for every server but
   * the first).
   */
  public static void preferLowLatency() {
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }
}
