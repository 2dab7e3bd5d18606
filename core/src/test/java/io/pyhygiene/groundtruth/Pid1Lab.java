package io.pyhygiene.groundtruth;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * Runs a command as PID 1 of a fresh PID namespace ({@code unshare -p -f --mount-proc}), the
 * situation of a container's main process, and observes what PID 1 becomes and what SIGTERM does.
 * Signals are sent from the parent namespace, as the container runtime sends them. Readiness is a
 * condition, never a file's existence: a line the program prints, or a port that accepts.
 */
final class Pid1Lab implements AutoCloseable {

  private final Process unshare;
  private final long pid1;
  private final List<String> output;

  private Pid1Lab(Process unshare, long pid1, List<String> output) {
    this.unshare = unshare;
    this.pid1 = pid1;
    this.output = output;
  }

  /** Starts {@code argv} as PID 1 and waits until {@code ready} holds for the lab. */
  static Pid1Lab start(
      List<String> argv,
      Map<String, String> env,
      Path dir,
      java.util.function.Predicate<Pid1Lab> ready,
      Duration timeout)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of("unshare", "-p", "-f", "--mount-proc"));
    cmd.addAll(argv);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    pb.environment().putAll(env);
    Process p = pb.start();
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (IOException e) {
                lines.add("(output closed: " + e.getMessage() + ")");
              }
            },
            "pid1lab-output");
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + timeout.toNanos();
    long child = -1;
    while (System.nanoTime() < deadline) {
      if (child < 0) {
        child = childOf(p.pid());
      }
      if (child > 0) {
        Pid1Lab lab = new Pid1Lab(p, child, lines);
        if (ready.test(lab)) {
          return lab;
        }
      }
      if (!p.isAlive()) {
        throw new IllegalStateException(
            "exited early: " + String.join(" ", argv) + "\n" + String.join("\n", lines));
      }
      Thread.sleep(20);
    }
    p.destroyForcibly();
    throw new IllegalStateException(
        "not ready within "
            + timeout
            + ": "
            + String.join(" ", argv)
            + "\n"
            + String.join("\n", lines));
  }

  /** Ready once a line of output contains {@code text}. */
  static java.util.function.Predicate<Pid1Lab> prints(String text) {
    return lab -> lab.printed(text);
  }

  /** Ready once 127.0.0.1:{@code port} accepts a connection. */
  static java.util.function.Predicate<Pid1Lab> accepts(int port) {
    return lab -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return true;
      } catch (IOException e) {
        return false;
      }
    };
  }

  /** A free loopback port. */
  static int freePort() throws IOException {
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  boolean printed(String text) {
    return output.stream().anyMatch(l -> l.contains(text));
  }

  /** Waits until {@code condition} holds; false when it does not within the timeout. */
  static boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }

  List<String> output() {
    return List.copyOf(output);
  }

  private static long childOf(long pid) throws IOException {
    Path tasks = Path.of("/proc", String.valueOf(pid), "task");
    if (!Files.isDirectory(tasks)) {
      return -1;
    }
    try (var dirs = Files.list(tasks)) {
      for (Path t : dirs.toList()) {
        Path children = t.resolve("children");
        if (Files.exists(children)) {
          String s = Files.readString(children).trim();
          if (!s.isEmpty()) {
            return Long.parseLong(s.split("\\s+")[0]);
          }
        }
      }
    }
    return -1;
  }

  /** The basename of PID 1's program, e.g. {@code python3.11}, {@code dash}, {@code busybox}. */
  String pid1Program() throws IOException {
    String argv0 = pid1CommandLine().split(" ")[0];
    return argv0.substring(argv0.lastIndexOf('/') + 1);
  }

  /** The full command line of PID 1, for diagnostics. */
  String pid1CommandLine() throws IOException {
    byte[] raw = Files.readAllBytes(Path.of("/proc", String.valueOf(pid1), "cmdline"));
    return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').trim();
  }

  void sigterm() {
    ProcessHandle.of(pid1).ifPresent(ProcessHandle::destroy); // SIGTERM on POSIX
  }

  /** Whether PID 1 (and so the whole namespace) has exited within the timeout. */
  boolean exitsWithin(Duration timeout) throws InterruptedException {
    return await(
        () -> {
          Optional<ProcessHandle> h = ProcessHandle.of(pid1);
          return h.isEmpty() || !h.get().isAlive();
        },
        timeout);
  }

  @Override
  public void close() throws InterruptedException {
    ProcessHandle.of(pid1).ifPresent(ProcessHandle::destroyForcibly);
    unshare.destroyForcibly();
    unshare.waitFor();
  }
}
