package io.pyhygiene.workload;

import io.pyhygiene.workload.process.ProcessModel;
import io.pyhygiene.workload.process.ServerOptions;
import io.pyhygiene.workload.shell.ShellDialect;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A pure read model of one container in a pod template: its effective command line (command and
 * args combined as Kubernetes combines them), effective security settings (container over pod),
 * memory, probes, preStop, environment, and what pyhygiene concluded about its processes.
 */
public final class ContainerView {

  private final Container spec;
  private final String name;
  private final ImageRef image;
  private final List<String> command;
  private final List<String> args;
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
  private final int declaredPorts;
  private final boolean readinessProbe;
  private final PreStop preStop;
  private final ProcessModel process;
  private final ServerOptions server;
  private final boolean looksPython;

  private ContainerView(Container c, PodSecurityContext pod) {
    this.spec = c;
    this.name = Objects.requireNonNullElse(c.getName(), "");
    this.image = ImageRef.parse(c.getImage());
    this.command = nonNull(c.getCommand());
    this.args = nonNull(c.getArgs());
    this.env = new Env(
        nonNull(c.getEnv()).stream()
            .map(e -> new EnvVar(e.getName(), e.getValueFrom() == null ? e.getValue() : null,
                e.getValueFrom() != null))
            .toList(),
        c.getEnvFrom() != null && !c.getEnvFrom().isEmpty());
    SecurityContext sc = c.getSecurityContext();
    this.runAsUser = firstNonNull(sc == null ? null : sc.getRunAsUser(),
        pod == null ? null : pod.getRunAsUser());
    this.runAsNonRoot = firstNonNull(sc == null ? null : sc.getRunAsNonRoot(),
        pod == null ? null : pod.getRunAsNonRoot());
    this.privileged = sc == null ? null : sc.getPrivileged();
    this.allowPrivilegeEscalation = sc == null ? null : sc.getAllowPrivilegeEscalation();
    Capabilities caps = sc == null ? null : sc.getCapabilities();
    this.capabilitiesDropped = caps == null ? List.of() : nonNull(caps.getDrop());
    this.readOnlyRootFilesystem = sc == null ? null : sc.getReadOnlyRootFilesystem();
    SeccompProfile containerSeccomp = sc == null ? null : sc.getSeccompProfile();
    SeccompProfile podSeccomp = pod == null ? null : pod.getSeccompProfile();
    SeccompProfile seccomp = containerSeccomp != null && containerSeccomp.getType() != null
        ? containerSeccomp : podSeccomp;
    this.seccompProfileType = seccomp == null ? null : seccomp.getType();
    ResourceRequirements res = c.getResources();
    this.memoryLimit = memory(res == null ? null : res.getLimits());
    this.memoryRequest = memory(res == null ? null : res.getRequests());
    this.declaredPorts = c.getPorts() == null ? 0 : (int) c.getPorts().stream()
        .filter(Objects::nonNull).count();
    this.readinessProbe = c.getReadinessProbe() != null;
    this.preStop = PreStop.of(c.getLifecycle());
    this.process = processWith(command, args);
    this.server = process.app().map(l -> ServerOptions.of(l, env)).orElse(ServerOptions.none());
    this.looksPython = image.looksPython() || !process.launchers().isEmpty()
        || env.anyNameStartsWith("PYTHON");
  }

  public static ContainerView of(Container container, PodSecurityContext podSecurityContext) {
    return new ContainerView(container, podSecurityContext);
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
   * The container as written in the pod template, for what the view does not model. Read it,
   * never change it (ArchitectureTest keeps rules from calling its setters).
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
  public ProcessModel processWith(List<String> command, List<String> args) {
    List<String> argv = new ArrayList<>(command);
    argv.addAll(args);
    ShellDialect sh = image.looksAlpine() ? ShellDialect.ASH : ShellDialect.DASH;
    return argv.isEmpty() ? ProcessModel.unknown() : ProcessModel.analyze(argv, sh);
  }

  public ImageRef image() {
    return image;
  }

  public boolean hasCommand() {
    return !command.isEmpty();
  }

  public boolean hasArgs() {
    return !args.isEmpty();
  }

  /**
   * The argv Kubernetes runs, as far as the manifest tells: {@code command + args}; with only
   * {@code args} they follow the image's ENTRYPOINT, which official Python images leave empty, so
   * {@code args} alone is taken as the command line.
   */
  public List<String> effectiveArgv() {
    List<String> argv = new ArrayList<>(command);
    argv.addAll(args);
    return argv;
  }

  public Env env() {
    return env;
  }

  public Optional<Long> runAsUser() {
    return Optional.ofNullable(runAsUser);
  }

  public Optional<Boolean> runAsNonRoot() {
    return Optional.ofNullable(runAsNonRoot);
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
    return declaredPorts > 0;
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

  /** Whether this container, on its own, looks like Python (image, command or PYTHON* env). */
  public boolean looksPython() {
    return looksPython;
  }
}
