package io.pyhygiene.faults;

import io.pyhygiene.testkit.Repository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Separate JVMs running the shipped jar, and what /proc says about them. */
final class Processes {

  private Processes() {}

  /**
   * The shaded jar the suite runs ({@code dist/target/pyhygiene.jar}); fails when it is missing.
   */
  static Path jar() {
    Path jar =
        Path.of(
            System.getProperty(
                "pyhygiene.jar",
                Repository.root().resolve("dist/target/pyhygiene.jar").toString()));
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError(
          jar + " is missing: build it first (make build, or mvn -pl faults -am verify)");
    }
    return jar;
  }

  /** {@code java <jvmArgs> -jar pyhygiene.jar <args>}. */
  static List<String> javaJar(List<String> jvmArgs, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.addAll(args);
    return cmd;
  }

  /** A field of /proc/PID/status in KiB (VmRSS, VmHWM), or -1 once the process is gone. */
  static long statusKib(long pid, String field) {
    try {
      for (String line :
          Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.UTF_8)) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /** User + system CPU time of a process in clock ticks (/proc/PID/stat), or -1. */
  static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.UTF_8);
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Samples a process's peak RSS (VmHWM) every 100 ms until it exits; the highest value read is
   * kept (VmHWM only grows, so the last read before exit is within 100 ms of the true peak).
   */
  static final class PeakRss extends Thread {
    private final long pid;
    private final AtomicLong peakKib = new AtomicLong();

    PeakRss(Process p) {
      this.pid = p.pid();
      setDaemon(true);
      setName("peak-rss-" + pid);
    }

    @Override
    public void run() {
      while (true) {
        long hwm = statusKib(pid, "VmHWM");
        if (hwm < 0) {
          return;
        }
        peakKib.accumulateAndGet(hwm, Math::max);
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    long peakMib() {
      return peakKib.get() >> 10;
    }
  }
}
