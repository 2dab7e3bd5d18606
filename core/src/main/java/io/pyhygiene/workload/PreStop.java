package io.pyhygiene.workload;

import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.pyhygiene.workload.process.Programs;
import io.pyhygiene.workload.shell.ShellScript;
import java.util.List;

/**
 * A container's preStop hook and how long it delays SIGTERM. The kubelet runs preStop first and
 * sends SIGTERM only when it returns, all within the grace period.
 *
 * @param kind which handler, or {@code NONE}
 * @param seconds the delay it adds before SIGTERM (0 when unknown, such as an HTTP call)
 */
public record PreStop(Kind kind, double seconds) {

  public enum Kind {
    NONE,
    SLEEP,
    EXEC,
    HTTP_GET,
    TCP_SOCKET
  }

  public boolean present() {
    return kind != Kind.NONE;
  }

  public static PreStop none() {
    return new PreStop(Kind.NONE, 0);
  }

  public static PreStop of(Lifecycle lifecycle) {
    LifecycleHandler h = lifecycle == null ? null : lifecycle.getPreStop();
    if (h == null) {
      return none();
    }
    if (h.getSleep() != null) {
      Long s = h.getSleep().getSeconds();
      return new PreStop(Kind.SLEEP, s == null ? 0 : Math.max(0, s));
    }
    if (h.getExec() != null) {
      List<String> cmd = h.getExec().getCommand();
      return new PreStop(Kind.EXEC, cmd == null ? 0 : sleepSeconds(cmd));
    }
    if (h.getHttpGet() != null) {
      return new PreStop(Kind.HTTP_GET, 0);
    }
    if (h.getTcpSocket() != null) {
      return new PreStop(Kind.TCP_SOCKET, 0);
    }
    return none();
  }

  /** Seconds spent in {@code sleep N}, run directly or inside {@code sh -c "..."}. */
  static double sleepSeconds(List<String> argv) {
    List<String> cmd = argv.stream().filter(a -> a != null).toList();
    if (cmd.isEmpty()) {
      return 0;
    }
    String prog = Programs.basename(cmd.get(0));
    if (prog.equals("busybox") && cmd.size() > 1) {
      return sleepSeconds(cmd.subList(1, cmd.size()));
    }
    if (prog.equals("sleep")) {
      double total = 0;
      for (String a : cmd.subList(1, cmd.size())) {
        total += duration(a);
      }
      return total;
    }
    if (Programs.isShell(prog)) {
      for (int i = 1; i < cmd.size() - 1; i++) {
        String a = cmd.get(i);
        if (a.startsWith("-") && a.indexOf('c') > 0) {
          double total = 0;
          for (ShellScript.Simple s : ShellScript.parse(cmd.get(i + 1)).allCommands()) {
            if (Programs.basename(s.name()).equals("sleep")) {
              total += sleepSeconds(s.words());
            }
          }
          return total;
        }
      }
    }
    return 0;
  }

  /** GNU/busybox sleep durations: {@code 5}, {@code 2.5}, {@code 5s}, {@code 1m}, {@code 1h}. */
  static double duration(String arg) {
    if (arg == null || arg.isEmpty()) {
      return 0;
    }
    if (arg.equals("infinity")) {
      return Double.POSITIVE_INFINITY;
    }
    char unit = arg.charAt(arg.length() - 1);
    double factor =
        switch (unit) {
          case 's' -> 1;
          case 'm' -> 60;
          case 'h' -> 3600;
          case 'd' -> 86400;
          default -> 0;
        };
    String number = factor == 0 ? arg : arg.substring(0, arg.length() - 1);
    if (factor == 0) {
      factor = 1;
    }
    if (!number.matches("\\d{1,9}(\\.\\d{1,9})?")) {
      return 0;
    }
    return Double.parseDouble(number) * factor;
  }
}
