package io.pyhygiene.groundtruth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs a command as PID 1 of a fresh PID namespace ({@code unshare -p -f --mount-proc}), the
 * situation of a container's main process, and observes what PID 1 becomes and what SIGTERM does.
 * Signals are sent from the parent namespace, as the container runtime sends them.
 */
final class Pid1Lab implements AutoCloseable {

  private final Process unshare;
  private final long pid1;

  private Pid1Lab(Process unshare, long pid1) {
    this.unshare = unshare;
    this.pid1 = pid1;
  }

  static Pid1Lab start(List<String> argv, Path ready, Duration timeout) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("unshare", "-p", "-f", "--mount-proc"));
    cmd.addAll(argv);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = System.nanoTime() + timeout.toNanos();
    long child = -1;
    while (System.nanoTime() < deadline) {
      if (child < 0) {
        child = childOf(p.pid());
      }
      if (child > 0 && (ready == null || Files.exists(ready))) {
        return new Pid1Lab(p, child);
      }
      if (!p.isAlive()) {
        throw new IllegalStateException("exited early: " + String.join(" ", argv));
      }
      Thread.sleep(20);
    }
    p.destroyForcibly();
    throw new IllegalStateException("not ready within " + timeout + ": " + String.join(" ", argv));
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
    byte[] raw = Files.readAllBytes(Path.of("/proc", String.valueOf(pid1), "cmdline"));
    String argv0 = new String(raw, StandardCharsets.UTF_8).split("\0")[0];
    String base = argv0.substring(argv0.lastIndexOf('/') + 1);
    // gunicorn and uvicorn are Python console scripts: the kernel runs the interpreter.
    return base;
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
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<ProcessHandle> h = ProcessHandle.of(pid1);
      if (h.isEmpty() || !h.get().isAlive()) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  @Override
  public void close() throws InterruptedException {
    ProcessHandle.of(pid1).ifPresent(ProcessHandle::destroyForcibly);
    unshare.destroyForcibly();
    unshare.waitFor();
  }
}
