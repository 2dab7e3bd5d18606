package io.pyhygiene.workload;

import java.util.List;
import java.util.Optional;

/**
 * What pyhygiene knows about a container's image beyond its name: its config as read from the
 * registry (image resolution), or why it is not known. The engine never resolves anything itself;
 * the CLI and the operator hand these in.
 *
 * @param state whether the config is known
 * @param config the config, when {@code state == RESOLVED}
 * @param reason why not, when {@code state == UNRESOLVED} (secret-free, for an info finding)
 */
public record ImageFacts(State state, Optional<Config> config, String reason) {

  public enum State {
    /** Image resolution is off: only the manifest is known. */
    NOT_REQUESTED,
    /** Resolution was asked for and failed (registry down, 401, 404, ...). */
    UNRESOLVED,
    RESOLVED
  }

  /**
   * The parts of an image config that decide how the container runs.
   *
   * @param digest the manifest digest the config was read from ({@code sha256:...})
   * @param entrypoint ENTRYPOINT (a shell-form one is already {@code [/bin/sh, -c, ...]})
   * @param cmd CMD, the same way
   * @param user USER as written ({@code ""} when unset, which means root)
   * @param env ENV as {@code NAME=value} entries, in order
   * @param stopSignal STOPSIGNAL ({@code ""} when unset: SIGTERM)
   * @param workingDir WORKDIR
   */
  public record Config(
      String digest,
      List<String> entrypoint,
      List<String> cmd,
      String user,
      List<String> env,
      String stopSignal,
      String workingDir) {

    public Config {
      entrypoint = List.copyOf(entrypoint);
      cmd = List.copyOf(cmd);
      env = List.copyOf(env);
      user = user == null ? "" : user;
      stopSignal = stopSignal == null ? "" : stopSignal;
      workingDir = workingDir == null ? "" : workingDir;
      digest = digest == null ? "" : digest;
    }

    @Override
    public String toString() {
      return "Config["
          + digest
          + ", env names only: "
          + env.stream().map(e -> e.contains("=") ? e.substring(0, e.indexOf('=')) : e).toList()
          + "]";
    }
  }

  public static final ImageFacts NOT_REQUESTED =
      new ImageFacts(State.NOT_REQUESTED, Optional.empty(), "");

  public static ImageFacts unresolved(String reason) {
    return new ImageFacts(State.UNRESOLVED, Optional.empty(), reason);
  }

  public static ImageFacts resolved(Config config) {
    return new ImageFacts(State.RESOLVED, Optional.of(config), "");
  }

  public boolean resolved() {
    return state == State.RESOLVED;
  }
}
