package io.pyhygiene.workload;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.pyhygiene.workload.process.ProcessModel;
import io.pyhygiene.workload.process.Programs;
import io.pyhygiene.workload.process.ServerOptions;
import io.pyhygiene.workload.shell.ShellDialect;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A pure read model of one container in a pod template: its effective command line (the pod's
 * command and args combined with the image's ENTRYPOINT and CMD as Kubernetes combines them), its
 * effective environment (image ENV under pod env), its effective security settings (container over
 * pod, then the image's USER), memory, probes, preStop, whether traffic is routed to it, and what
 * pyhygiene concluded about its processes. {@link #spec()} gives the container as written for
 * anything the view does not model.
 */
public final class ContainerView {

  /** Where the command line that runs comes from, for messages. */
  public enum CommandSource {
    /** {@code command} (with {@code args}) replaces the image's ENTRYPOINT and CMD. */
    POD_COMMAND("the pod's command"),
    /** {@code args} after the image's ENTRYPOINT (which replaces CMD). */
    IMAGE_ENTRYPOINT_AND_POD_ARGS("the image's ENTRYPOINT with the pod's args"),
    /**
     * {@code args} only, the image unknown: taken as the whole command line, as for official Python
     * images, which have no ENTRYPOINT.
     */
    POD_ARGS("the pod's args"),
    /** Nothing in the pod spec: the image's ENTRYPOINT and CMD. */
    IMAGE("the image's ENTRYPOINT and CMD"),
    /** Nothing in the pod spec and the image is not known. */
    NONE("nothing (the image decides)");

    private final String label;

    CommandSource(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final Container spec;
  private final String name;
  private final ImageRef image;
  private final ImageFacts imageFacts;
  private final List<String> command;
  private final List<String> args;
  private final List<String> effectiveArgv;
  private final CommandSource commandSource;
  private final Env env;
  private final Long runAsUser;
  private final Boolean runAsNonRoot;
  private final Boolean privileged;
  private final Boolean allowPrivilegeEscalation;
  private final List<String> capabilitiesDropped;
  private final Boolean readOnlyRootFilesystem;
  private final String seccompProfileType;
  private final MemoryQuantity memoryLimit;
  private final MemoryQuantity memoryRequest;
  private final boolean readinessProbe;
  private final PreStop preStop;
  private final Serving serving;
  private final Map<String, String> scriptFiles;
  private final ProcessModel process;
  private final ServerOptions server;
  private final boolean looksPython;

  private ContainerView(
      Container c,
      PodSecurityContext pod,
      ImageFacts imageFacts,
      Serving serving,
      Map<String, String> scriptFiles) {
    this.spec = c;
    this.name = Objects.requireNonNullElse(c.getName(), "");
    this.image = ImageRef.parse(c.getImage());
    this.imageFacts = imageFacts;
    this.serving = serving;
    this.scriptFiles = Map.copyOf(scriptFiles);
    this.command = nonNull(c.getCommand());
    this.args = nonNull(c.getArgs());
    Optional<ImageFacts.Config> config = imageFacts.config();
    if (!command.isEmpty()) {
      this.commandSource = CommandSource.POD_COMMAND;
    } else if (!args.isEmpty()) {
      this.commandSource =
          config.isPresent() ? CommandSource.IMAGE_ENTRYPOINT_AND_POD_ARGS : CommandSource.POD_ARGS;
    } else {
      this.commandSource = config.isPresent() ? CommandSource.IMAGE : CommandSource.NONE;
    }
    this.effectiveArgv = combine(command, args, config);
    Env podEnv =
        new Env(
            nonNull(c.getEnv()).stream()
                .map(
                    e ->
                        new EnvVar(
                            e.getName(),
                            e.getValueFrom() == null ? e.getValue() : null,
                            e.getValueFrom() != null))
                .toList(),
            c.getEnvFrom() != null && !c.getEnvFrom().isEmpty());
    this.env = config.map(cfg -> podEnv.over(imageEnv(cfg))).orElse(podEnv);
    SecurityContext sc = c.getSecurityContext();
    this.runAsUser =
        firstNonNull(
            sc == null ? null : sc.getRunAsUser(), pod == null ? null : pod.getRunAsUser());
    this.runAsNonRoot =
        firstNonNull(
            sc == null ? null : sc.getRunAsNonRoot(), pod == null ? null : pod.getRunAsNonRoot());
    this.privileged = sc == null ? null : sc.getPrivileged();
    this.allowPrivilegeEscalation = sc == null ? null : sc.getAllowPrivilegeEscalation();
    Capabilities caps = sc == null ? null : sc.getCapabilities();
    this.capabilitiesDropped = caps == null ? List.of() : nonNull(caps.getDrop());
    this.readOnlyRootFilesystem = sc == null ? null : sc.getReadOnlyRootFilesystem();
    SeccompProfile containerSeccomp = sc == null ? null : sc.getSeccompProfile();
    SeccompProfile podSeccomp = pod == null ? null : pod.getSeccompProfile();
    SeccompProfile seccomp =
        containerSeccomp != null && containerSeccomp.getType() != null
            ? containerSeccomp
            : podSeccomp;
    this.seccompProfileType = seccomp == null ? null : seccomp.getType();
    ResourceRequirements res = c.getResources();
    this.memoryLimit = memory(res == null ? null : res.getLimits());
    this.memoryRequest = memory(res == null ? null : res.getRequests());
    this.readinessProbe = c.getReadinessProbe() != null;
    this.preStop = PreStop.of(c.getLifecycle());
    this.process = analyse(effectiveArgv);
    this.server = process.app().map(l -> ServerOptions.of(l, env)).orElse(ServerOptions.none());
    this.looksPython = decideLooksPython();
  }

  public static ContainerView of(Container container, PodSecurityContext podSecurityContext) {
    return new ContainerView(
        container, podSecurityContext, ImageFacts.NOT_REQUESTED, Serving.NONE, Map.of());
  }

  static ContainerView of(
      Container container,
      PodSecurityContext podSecurityContext,
      ImageFacts imageFacts,
      Serving serving,
      Map<String, String> scriptFiles) {
    return new ContainerView(container, podSecurityContext, imageFacts, serving, scriptFiles);
  }

  /**
   * Kubernetes' rule: {@code command} replaces ENTRYPOINT and drops CMD; {@code args} alone replace
   * CMD; neither keeps both. Without the image, {@code args} alone stand for the whole command
   * line.
   */
  private static List<String> combine(
      List<String> command, List<String> args, Optional<ImageFacts.Config> image) {
    List<String> argv = new ArrayList<>();
    if (!command.isEmpty()) {
      argv.addAll(command);
      argv.addAll(args);
    } else if (image.isPresent()) {
      argv.addAll(image.get().entrypoint());
      argv.addAll(args.isEmpty() ? image.get().cmd() : args);
    } else {
      argv.addAll(args);
    }
    return List.copyOf(argv);
  }

  private static List<EnvVar> imageEnv(ImageFacts.Config config) {
    List<EnvVar> out = new ArrayList<>();
    for (String entry : config.env()) {
      int eq = entry.indexOf('=');
      out.add(
          eq < 0
              ? new EnvVar(entry, "", false, true)
              : new EnvVar(entry.substring(0, eq), entry.substring(eq + 1), false, true));
    }
    return out;
  }

  private ProcessModel analyse(List<String> argv) {
    return argv.isEmpty()
        ? ProcessModel.unknown()
        : ProcessModel.analyze(argv, shDialect(), scriptFiles);
  }

  /** The dialect of {@code /bin/sh} in this image: busybox ash on Alpine, dash otherwise. */
  private ShellDialect shDialect() {
    return image.looksAlpine() ? ShellDialect.ASH : ShellDialect.DASH;
  }

  /**
   * Python when a Python launcher runs; not when what runs is known and none of it is Python (an
   * nginx sidecar carrying {@code PYTHONUNBUFFERED}, a clean-up loop in a Python image); otherwise
   * from the image (its name or tag, its config's {@code PYTHON*} ENV) or env names only Python
   * programs read.
   */
  private boolean decideLooksPython() {
    if (!process.launchers().isEmpty()) {
      return true;
    }
    if (!process.programs().isEmpty() && Programs.allKnownNotPython(process.programs())) {
      return false;
    }
    if (image.knownNotPython()) {
      return false;
    }
    boolean imageSaysPython =
        image.looksPython()
            || imageFacts
                .config()
                .map(
                    cfg ->
                        cfg.env().stream()
                            .anyMatch(
                                e ->
                                    e.startsWith("PYTHON_VERSION=")
                                        || e.startsWith("PYTHON_SHA256=")))
                .orElse(false);
    return imageSaysPython || env.hasPythonOnlyName();
  }

  private static MemoryQuantity memory(Map<String, Quantity> resources) {
    return resources == null ? null : MemoryQuantity.of(resources.get("memory"));
  }

  private static <T> List<T> nonNull(List<T> list) {
    if (list == null) {
      return List.of();
    }
    List<T> out = new ArrayList<>(list.size());
    for (T t : list) {
      if (t != null) {
        out.add(t);
      }
    }
    return List.copyOf(out);
  }

  private static <T> T firstNonNull(T a, T b) {
    return a != null ? a : b;
  }

  public String name() {
    return name;
  }

  /**
   * The container as written in the pod template, for what the view does not model. Read it, never
   * change it (ArchitectureTest keeps rules from calling its setters).
   */
  public Container spec() {
    return spec;
  }

  /** {@code command} as written (empty when unset). */
  public List<String> command() {
    return command;
  }

  /** {@code args} as written (empty when unset). */
  public List<String> args() {
    return args;
  }

  /** What would run as PID 1 if this container had this {@code command} and these {@code args}. */
  public ProcessModel processWith(List<String> newCommand, List<String> newArgs) {
    return analyse(combine(newCommand, newArgs, imageFacts.config()));
  }

  public ImageRef image() {
    return image;
  }

  /** What is known of the image beyond its name (its config, when resolved). */
  public ImageFacts imageFacts() {
    return imageFacts;
  }

  public boolean hasCommand() {
    return !command.isEmpty();
  }

  public boolean hasArgs() {
    return !args.isEmpty();
  }

  /** The argv that runs, as far as the manifest and the image tell (see {@link CommandSource}). */
  public List<String> effectiveArgv() {
    return effectiveArgv;
  }

  public CommandSource commandSource() {
    return commandSource;
  }

  /**
   * For messages: where the command line comes from, naming only the parts of the image that exist
   * ({@code the image's CMD} for an image without ENTRYPOINT, not "ENTRYPOINT and CMD").
   */
  public String commandSourceLabel() {
    Optional<ImageFacts.Config> config = imageFacts.config();
    if (config.isEmpty()) {
      return commandSource.label();
    }
    boolean entrypoint = !config.get().entrypoint().isEmpty();
    boolean cmd = !config.get().cmd().isEmpty();
    return switch (commandSource) {
      case IMAGE ->
          entrypoint && cmd
              ? commandSource.label()
              : entrypoint ? "the image's ENTRYPOINT" : cmd ? "the image's CMD" : "the image";
      case IMAGE_ENTRYPOINT_AND_POD_ARGS ->
          entrypoint ? commandSource.label() : "the pod's args (the image has no ENTRYPOINT)";
      default -> commandSource.label();
    };
  }

  /** The effective environment: the image's ENV (when resolved) under the pod's env. */
  public Env env() {
    return env;
  }

  /** The effective runAsUser of the manifest (container, else pod), if set. */
  public Optional<Long> runAsUser() {
    return Optional.ofNullable(runAsUser);
  }

  public Optional<Boolean> runAsNonRoot() {
    return Optional.ofNullable(runAsNonRoot);
  }

  /** The image's USER, when the image is resolved ({@code ""}: not set, so root). */
  public Optional<String> imageUser() {
    return imageFacts.config().map(ImageFacts.Config::user);
  }

  /** The image's STOPSIGNAL, when resolved and set. */
  public Optional<String> stopSignal() {
    return imageFacts.config().map(ImageFacts.Config::stopSignal).filter(s -> !s.isEmpty());
  }

  public boolean privileged() {
    return Boolean.TRUE.equals(privileged);
  }

  public Optional<Boolean> allowPrivilegeEscalation() {
    return Optional.ofNullable(allowPrivilegeEscalation);
  }

  public List<String> capabilitiesDropped() {
    return capabilitiesDropped;
  }

  public boolean readOnlyRootFilesystem() {
    return Boolean.TRUE.equals(readOnlyRootFilesystem);
  }

  /** The effective seccomp profile type (container, else pod), if any. */
  public Optional<String> seccompProfileType() {
    return Optional.ofNullable(seccompProfileType);
  }

  public Optional<MemoryQuantity> memoryLimit() {
    return Optional.ofNullable(memoryLimit);
  }

  public Optional<MemoryQuantity> memoryRequest() {
    return Optional.ofNullable(memoryRequest);
  }

  public boolean declaresPorts() {
    return spec.getPorts() != null && spec.getPorts().stream().anyMatch(Objects::nonNull);
  }

  /** Whether traffic is routed to it, and how that was decided. */
  public Serving serving() {
    return serving;
  }

  /** {@code tty: true}: stdout is a terminal, so Python line-buffers it. */
  public boolean tty() {
    return Boolean.TRUE.equals(spec.getTty());
  }

  public boolean hasReadinessProbe() {
    return readinessProbe;
  }

  public PreStop preStop() {
    return preStop;
  }

  public ProcessModel process() {
    return process;
  }

  public ServerOptions server() {
    return server;
  }

  /** Whether this container, on its own, is a Python program (see {@link #decideLooksPython}). */
  public boolean looksPython() {
    return looksPython;
  }
}
