package io.pyhygiene.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.pyhygiene.Versions;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicySpec;
import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.policy.PolicyResolver;
import io.pyhygiene.registry.CredentialSource;
import io.pyhygiene.registry.DockerConfigCredentials;
import io.pyhygiene.registry.Platform;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.workload.ContextDependence;
import io.pyhygiene.workload.ImageFacts;
import io.pyhygiene.workload.Namespaces;
import io.pyhygiene.workload.Observations;
import io.pyhygiene.workload.WorkloadContext;
import io.pyhygiene.workload.WorkloadView;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code pyhygiene audit}: audits manifest files (for CI) or, with {@code --cluster}, a live
 * cluster read-only; with {@code --resolve-images}, verdicts also use each image's config.
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Audit Python workloads (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs,"
          + " ReplicaSets and Pods no controller owns) in manifest files or a live cluster"
          + " against the Python hygiene rules.",
      "",
      "Files: YAML (multi-document) and JSON files, directories (recursively: *.yaml, *.yml,"
          + " *.json) and stdin (-). `kind: List` is expanded; Services decide which containers"
          + " serve and ConfigMaps give mounted scripts; other kinds are skipped. A malformed"
          + " document never stops the run: every readable document is audited and each bad"
          + " one is named.",
      "",
      "Cluster (--cluster): lists, read-only, the audited kinds, Pods, Services and ConfigMaps"
          + " of the kubeconfig's cluster, and reads runtime evidence (SIGKILL at shutdown,"
          + " OOMKilled) from the Pods' recorded terminations. Namespaces or kinds the user may"
          + " not list are skipped and named on stderr and in the report."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:no finding at or above --fail-on",
      "1:findings at or above --fail-on",
      "2:usage or input errors, or part of the cluster could not be listed (everything"
          + " readable is still audited)"
    },
    footer = {
      "",
      "Examples:",
      "  pyhygiene audit -f deploy/ -o sarif > pyhygiene.sarif",
      "  helm template chart/ | pyhygiene audit -f - --fail-on warning",
      "  pyhygiene audit -f k8s.yaml --policy policy.yaml --now 2026-11-25",
      "  pyhygiene audit -f k8s/ --resolve-images --platform linux/arm64",
      "  pyhygiene audit --cluster -A -o table",
      "  kubectl pyhygiene audit --cluster -n shop -l app.kubernetes.io/part-of=billing"
    })
public final class AuditCommand implements Callable<Integer> {

  enum Format {
    text,
    table,
    json,
    sarif
  }

  enum FailOn {
    error,
    warning,
    never
  }

  /** What to audit. */
  static final class Input {
    @Option(
        names = {"-f", "--file"},
        paramLabel = "PATH",
        description = "A manifest file, a directory, or - for stdin. Repeatable.")
    List<String> paths;

    @Option(
        names = "--cluster",
        description =
            "Audit the live cluster of the kubeconfig"
                + " (read-only: list calls only) instead of files.")
    boolean cluster;
  }

  /** Which cluster, which namespaces, which workloads. */
  static final class ClusterOptions {
    @Option(
        names = "--kubeconfig",
        paramLabel = "FILE",
        description =
            "The kubeconfig (default:"
                + " $KUBECONFIG, else ~/.kube/config, else the in-cluster service account).")
    Path kubeconfig;

    @Option(
        names = "--context",
        paramLabel = "NAME",
        description = "The kubeconfig context (default: its current context).")
    String context;

    @Option(
        names = {"-n", "--namespace"},
        paramLabel = "NS",
        split = ",",
        description =
            "Audit these namespaces (repeatable or comma-separated; default: the"
                + " context's namespace, else default).")
    List<String> namespaces;

    @Option(
        names = {"-A", "--all-namespaces"},
        description =
            "Audit every namespace. Kinds that"
                + " cannot be listed cluster-wide are listed namespace by namespace.")
    boolean allNamespaces;

    @Option(
        names = {"-l", "--selector"},
        paramLabel = "SELECTOR",
        description =
            "Audit only"
                + " workloads whose labels match, kubectl syntax: app=web,tier!=db,env in (prod,stage)."
                + " Their Pods count as evidence whatever their labels.")
    String selector;
  }

  /** Image resolution. */
  static final class ImageOptions {
    @Option(
        names = "--resolve-images",
        description =
            "Read each image's config (ENTRYPOINT,"
                + " CMD, USER, ENV, STOPSIGNAL) from its registry, so verdicts see what really runs."
                + " Off by default: without it the audit makes no network call (files) or only calls"
                + " the API server (--cluster).")
    boolean resolve;

    @Option(
        names = "--registry-config",
        paramLabel = "FILE",
        description =
            "Docker config JSON"
                + " with registry credentials (auths, credHelpers, credsStore; default:"
                + " $DOCKER_CONFIG/config.json, else ~/.docker/config.json).")
    Path registryConfig;

    @Option(
        names = "--insecure-registry",
        paramLabel = "HOST[:PORT]",
        description =
            "A registry"
                + " reached without valid TLS (HTTPS unverified, then plain HTTP), as Docker's"
                + " insecure-registries. Loopback registries always are. Repeatable.")
    List<String> insecureRegistries;

    @Option(
        names = "--platform",
        paramLabel = "OS/ARCH[/VARIANT]",
        description =
            "The platform" + " to read from multi-platform images (default: linux/amd64).")
    String platform;
  }

  /** How to report and judge. */
  static final class OutputOptions {
    @Option(
        names = {"-o", "--output"},
        defaultValue = "text",
        paramLabel = "FORMAT",
        description =
            "text (grouped by workload), table (one line per workload), json or sarif"
                + " (default: ${DEFAULT-VALUE}).")
    Format format = Format.text;

    @Option(
        names = "--policy",
        paramLabel = "FILE",
        description =
            "A PythonHygienePolicy manifest whose rules, parameters and exemptions"
                + " apply (default: the built-in defaults, as a policy with an empty spec).")
    Path policyFile;

    @Option(
        names = "--fail-on",
        defaultValue = "error",
        paramLabel = "LEVEL",
        description =
            "Exit 1 when a finding is at or above: error, warning or never"
                + " (default: ${DEFAULT-VALUE}).")
    FailOn failOn = FailOn.error;

    @Option(
        names = "--now",
        paramLabel = "DATE",
        description =
            "The date rules such as python-eol judge by, e.g. 2026-11-25 (default:"
                + " today, UTC). Pin it in CI to make results reproducible.")
    LocalDate now;

    @Option(
        names = "--no-color",
        description =
            "Never colour text output (colour is used only"
                + " on a terminal, and never when NO_COLOR is set).")
    boolean noColor;
  }

  @ArgGroup(validate = false, heading = "%nInput:%n", order = 1)
  Input input = new Input();

  @ArgGroup(validate = false, heading = "%nCluster (with --cluster):%n", order = 2)
  ClusterOptions clusterOptions = new ClusterOptions();

  @ArgGroup(validate = false, heading = "%nImages:%n", order = 3)
  ImageOptions images = new ImageOptions();

  @ArgGroup(validate = false, heading = "%nOutput:%n", order = 4)
  OutputOptions output = new OutputOptions();

  @Spec CommandSpec spec;

  private final InputStream stdin;
  private final Map<String, String> environment;
  private final boolean terminal;

  public AuditCommand(InputStream stdin, Map<String, String> environment, boolean terminal) {
    this.stdin = stdin;
    this.environment = environment;
    this.terminal = terminal;
  }

  /**
   * A workload to audit, where it came from, and what the engine may know around it.
   *
   * @param kind the workload's kind (read back from the spool before the workload is mapped)
   */
  private record Target(
      String source,
      int document,
      int line,
      HasMetadata workload,
      WorkloadContext context,
      String kind) {

    Target(String source, int document, int line, HasMetadata workload, WorkloadContext context) {
      this(source, document, line, workload, context, workload.getKind());
    }

    /** This target with its workload mapped from the JSON the loader spooled. */
    Target withWorkload(byte[] json) {
      try {
        return new Target(
            source, document, line, ManifestLoader.toWorkload(kind, json), context, kind);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Settings settings = validate();
    List<Rule> rules = RuleCatalog.all();
    AuditPolicy policy;
    try {
      policy = loadPolicy(rules);
    } catch (PolicyException e) {
      err.println("pyhygiene: " + e.getMessage());
      err.flush();
      return 2;
    }
    Clock clock =
        output.now == null
            ? Clock.systemUTC()
            : Clock.fixed(output.now.atStartOfDay().toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
    Auditor auditor = new Auditor(rules, clock);
    Progress progress = new Progress(err, terminal, System::nanoTime);

    // The policy file's images section turns resolution on too; the flags win where both speak.
    boolean resolve = images.resolve || policy.images().resolve();
    if (!input.cluster) {
      return auditFiles(settings, policy, rules, auditor, progress, resolve, out, err);
    }
    List<Target> targets = new ArrayList<>();
    List<AuditRun.ReadError> readErrors;
    try (ClusterConnection.Connected connected =
        ClusterConnection.open(clusterOptions.kubeconfig, clusterOptions.context, environment)) {
      ClusterScan.Scope scope =
          new ClusterScan.Scope(
              clusterOptions.allNamespaces,
              clusterOptions.namespaces == null || clusterOptions.namespaces.isEmpty()
                  ? List.of(connected.namespace())
                  : List.copyOf(new LinkedHashSet<>(clusterOptions.namespaces)));
      ClusterScan.Result scanned =
          new ClusterScan(connected.client(), progress, ClusterScan.PAGE_SIZE, 4)
              .scan(scope, settings.selector());
      scanned.targets().forEach(t -> targets.add(new Target("", 0, 0, t.workload(), t.context())));
      readErrors = scanned.errors();
      for (String ns : scanned.empty()) {
        err.println("pyhygiene: namespace " + ns + ": nothing found (does it exist?)");
      }
    } catch (ClusterConnection.ConnectionException | ClusterScan.FatalException e) {
      progress.done();
      err.println("pyhygiene: " + e.getMessage());
      err.flush();
      return 2;
    }
    for (String line : new AuditRun(List.of(), List.of(), readErrors, false).readErrorLines()) {
      err.println("pyhygiene: not read: " + line);
    }
    err.flush();

    Map<String, ImageFacts> facts = Map.of();
    if (resolve) {
      List<String> references = new ArrayList<>();
      targets.forEach(
          t -> PodTemplates.images(t.workload()).forEach(i -> references.add(i.image())));
      facts = resolveImages(references, settings, policy, progress);
    }

    // The engine is pure and the auditor stateless: workloads are audited in parallel, and the
    // report keeps the input's order.
    Map<String, ImageFacts> resolvedFacts = facts;
    List<AuditRun.Audited> audited =
        targets.parallelStream().map(t -> audit(t, resolvedFacts, auditor, policy)).toList();
    AuditRun run = new AuditRun(audited, List.of(), readErrors, resolve);
    return report(run, rules, false, out, err);
  }

  /** How many workloads are audited together (in parallel). */
  private static final int BATCH = 512;

  /** A batch is audited early once its workloads' JSON reaches this many bytes. */
  private static final int BATCH_BYTES = 8 << 20;

  /**
   * Audits files (and stdin) in memory bounded independently of their size. Documents are read one
   * at a time; each workload's JSON goes to a spool (a temporary file) and only Services,
   * ConfigMaps, errors and image references are kept. Without image resolution each workload is
   * audited as it is read (in parallel batches) with the Services and ConfigMaps read so far, and
   * its result goes to a second spool the report reads; the workloads read before the last Service
   * or ConfigMap (a workload may come before its Service) are audited again from the spool with the
   * whole input's context. With resolution every image must be known first: all workloads are
   * audited from the spool after it.
   */
  private int auditFiles(
      Settings settings,
      AuditPolicy policy,
      List<Rule> rules,
      Auditor auditor,
      Progress progress,
      boolean resolve,
      PrintWriter out,
      PrintWriter err) {
    try (Spool loaded = Spool.create("workloads");
        AuditSpool early = new AuditSpool()) {
      FileSink sink = new FileSink(loaded, resolve ? null : early, auditor, policy, progress);
      ManifestLoader.Summary summary =
          new ManifestLoader(
                  stdin,
                  msg -> {
                    if (terminal) {
                      progress.done();
                      err.println(msg);
                      err.flush();
                    }
                  })
              .stream(input.paths, sink);
      sink.flush();
      loaded.finish();
      Map<String, ImageFacts> facts =
          resolve ? resolveImages(sink.references, settings, policy, progress) : Map.of();
      // Services in the input decide which containers serve; with none, ports are taken as
      // serving and findings say so.
      WorkloadContext context =
          new WorkloadContext(
              summary.services().isEmpty() ? Optional.empty() : Optional.of(summary.services()),
              summary.configMaps(),
              Map.of(),
              Observations.NONE);
      boolean noFiles = summary.files() == 0 && summary.errors().isEmpty();
      // With resolution nothing was audited yet; without, only the workloads a Service or
      // ConfigMap read after them can change are audited again.
      java.util.BitSet again = resolve ? null : sink.stale();
      if (again != null && again.isEmpty()) {
        progress.done();
        AuditRun run = new AuditRun(early.finish(facts), summary.errors(), List.of(), resolve);
        return report(run, rules, noFiles, out, err);
      }
      try (AuditSpool audits = new AuditSpool()) {
        Iterator<AuditRun.Audited> earlier = again == null ? null : early.finish(facts).iterator();
        auditSpooled(
            loaded, again, earlier, sink.read, context, facts, auditor, policy, audits, progress);
        progress.done();
        AuditRun run = new AuditRun(audits.finish(facts), summary.errors(), List.of(), resolve);
        return report(run, rules, noFiles, out, err);
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      progress.done();
      err.println("pyhygiene: " + e.getMessage());
      err.flush();
      return 2;
    }
  }

  /**
   * Receives the workloads as the loader reads them: spools each one's JSON and, without image
   * resolution, audits them a batch at a time with the context read so far.
   */
  private static final class FileSink implements ManifestLoader.WorkloadSink {
    private final Spool loaded;
    private final AuditSpool audits; // null: audit later, from the spool
    private final Auditor auditor;
    private final AuditPolicy policy;
    private final Progress progress;
    final Set<String> references = new LinkedHashSet<>();
    private final List<io.fabric8.kubernetes.api.model.Service> services = new ArrayList<>();
    private final List<io.fabric8.kubernetes.api.model.ConfigMap> configMaps = new ArrayList<>();
    private WorkloadContext context; // the context read so far, null once it grew
    private final List<Target> batch = new ArrayList<>();
    private long batchBytes;

    /** Workloads read. */
    long read;

    /**
     * What may change the audit of each workload audited as read (in read order, those that depend
     * on nothing left out): whether Services were visible then, and the dependence.
     */
    private final List<Early> early = new ArrayList<>();

    /** How many workloads had been read when each Service and ConfigMap came (parallel lists). */
    private final List<Long> serviceArrivals = new ArrayList<>();

    private final List<Long> configMapArrivals = new ArrayList<>();

    private record Early(long index, boolean sawServices, ContextDependence dependence) {}

    FileSink(
        Spool loaded, AuditSpool audits, Auditor auditor, AuditPolicy policy, Progress progress) {
      this.loaded = loaded;
      this.audits = audits;
      this.auditor = auditor;
      this.policy = policy;
      this.progress = progress;
    }

    @Override
    public void accept(String source, int document, int line, JsonNode node, HasMetadata workload)
        throws IOException {
      DataOutputStream o = loaded.out();
      Spool.writeString(o, source);
      o.writeInt(document);
      o.writeInt(line);
      String kind = node.path("kind").asText();
      Spool.writeString(o, kind);
      byte[] json = io.pyhygiene.json.Json.MAPPER.writeValueAsBytes(node);
      o.writeInt(json.length);
      o.write(json);
      read++;
      if (audits == null) {
        PodTemplates.images(workload).forEach(i -> references.add(i.image()));
        if (read % 100 == 0) {
          progress.accept("read " + read + " workloads");
        }
        return;
      }
      if (context == null) {
        context =
            new WorkloadContext(
                services.isEmpty() ? Optional.empty() : Optional.of(services),
                configMaps,
                Map.of(),
                Observations.NONE);
      }
      ContextDependence dependence = ContextDependence.of(workload);
      if (!dependence.independent()) {
        early.add(new Early(read - 1, !services.isEmpty(), dependence));
      }
      batch.add(new Target(source, document, line, workload, context, kind));
      batchBytes += json.length;
      if (batch.size() >= BATCH || batchBytes >= BATCH_BYTES) {
        flush();
      }
    }

    @Override
    public void context(HasMetadata serviceOrConfigMap) {
      if (serviceOrConfigMap instanceof io.fabric8.kubernetes.api.model.Service s) {
        services.add(s);
        serviceArrivals.add(read);
      } else if (serviceOrConfigMap instanceof io.fabric8.kubernetes.api.model.ConfigMap cm) {
        configMaps.add(cm);
        configMapArrivals.add(read);
      }
      context = null;
    }

    /**
     * The workloads (by read index) whose audit as read a Service or ConfigMap read after them can
     * change ({@link ContextDependence}): they are audited again with the whole input.
     */
    java.util.BitSet stale() {
      Map<String, List<Arrival<io.fabric8.kubernetes.api.model.Service>>> laterServices =
          byNamespace(services, serviceArrivals);
      Map<String, List<Arrival<io.fabric8.kubernetes.api.model.ConfigMap>>> laterMaps =
          byNamespace(configMaps, configMapArrivals);
      java.util.BitSet out = new java.util.BitSet();
      for (Early e : early) {
        ContextDependence d = e.dependence();
        boolean changed =
            (!e.sawServices() && !services.isEmpty() && d.affectedBySeeingServices())
                || anyAfter(e.index(), d.namespace(), laterServices, d::affectedBy)
                || anyAfter(e.index(), d.namespace(), laterMaps, d::affectedBy);
        if (changed) {
          out.set(Math.toIntExact(e.index()));
        }
      }
      return out;
    }

    private record Arrival<T>(long read, T object) {}

    /** Objects by namespace ("" for those that name none), in arrival order. */
    private static <T extends HasMetadata> Map<String, List<Arrival<T>>> byNamespace(
        List<T> objects, List<Long> arrivals) {
      Map<String, List<Arrival<T>>> out = new HashMap<>();
      for (int k = 0; k < objects.size(); k++) {
        T o = objects.get(k);
        out.computeIfAbsent(Namespaces.of(o.getMetadata()), x -> new ArrayList<>())
            .add(new Arrival<>(arrivals.get(k), o));
      }
      return out;
    }

    /**
     * Whether an object that came after workload {@code index} and may be seen from its namespace
     * (of that namespace or naming none; any, for a workload that names none) satisfies {@code
     * test}.
     */
    private static <T> boolean anyAfter(
        long index,
        String namespace,
        Map<String, List<Arrival<T>>> byNamespace,
        java.util.function.Predicate<T> test) {
      for (List<Arrival<T>> list : Namespaces.visibleGroups(namespace, byNamespace)) {
        for (int k = list.size() - 1; k >= 0 && list.get(k).read() > index; k--) {
          if (test.test(list.get(k).object())) {
            return true;
          }
        }
      }
      return false;
    }

    /** Audits the workloads read and not yet audited (in parallel), in input order. */
    void flush() throws IOException {
      if (batch.isEmpty()) {
        return;
      }
      List<AuditRun.Audited> audited =
          batch.parallelStream().map(t -> audit(t, Map.of(), auditor, policy)).toList();
      for (AuditRun.Audited a : audited) {
        audits.add(a);
      }
      batch.clear();
      batchBytes = 0;
      progress.accept("audited " + read + " workloads");
    }
  }

  /**
   * Writes every one of the {@code total} spooled workloads' audits into {@code into}, in input
   * order: those in {@code again} (all when it is null) audited with {@code context} from the
   * spool, a batch at a time (each batch mapped and audited in parallel), the others taken from
   * {@code earlier}, their audits as read.
   */
  private static void auditSpooled(
      Spool loaded,
      java.util.BitSet again,
      Iterator<AuditRun.Audited> earlier,
      long total,
      WorkloadContext context,
      Map<String, ImageFacts> facts,
      Auditor auditor,
      AuditPolicy policy,
      AuditSpool into,
      Progress progress)
      throws IOException {
    try (DataInputStream in = loaded.read()) {
      List<byte[]> jsons = new ArrayList<>(BATCH);
      List<Target> batch = new ArrayList<>(BATCH);
      List<AuditRun.Audited> kept = new ArrayList<>(BATCH); // null: audited in this batch
      for (long done = 0; done < total; ) {
        batch.clear();
        jsons.clear();
        kept.clear();
        long bytes = 0;
        for (; kept.size() < BATCH && bytes < BATCH_BYTES && done < total; done++) {
          String source = Spool.readString(in);
          int document = in.readInt();
          int line = in.readInt();
          String kind = Spool.readString(in);
          int length = in.readInt();
          AuditRun.Audited asRead = earlier == null ? null : earlier.next();
          if (again != null && !again.get(Math.toIntExact(done))) {
            in.skipNBytes(length);
            kept.add(asRead);
            continue;
          }
          byte[] json = new byte[length];
          in.readFully(json);
          bytes += json.length;
          jsons.add(json);
          batch.add(new Target(source, document, line, null, context, kind));
          kept.add(null);
        }
        // The engine is pure and the auditor stateless: workloads are mapped and audited in
        // parallel, and the report keeps the input's order.
        List<AuditRun.Audited> audited =
            java.util.stream.IntStream.range(0, batch.size())
                .parallel()
                .mapToObj(
                    k -> audit(batch.get(k).withWorkload(jsons.get(k)), facts, auditor, policy))
                .toList();
        Iterator<AuditRun.Audited> fresh = audited.iterator();
        for (AuditRun.Audited a : kept) {
          into.add(a == null ? fresh.next() : a);
        }
        progress.accept("audited " + done + "/" + total + " workloads");
      }
    }
  }

  /** Reads each image's config (the policy's images section fills in what the flags leave). */
  private Map<String, ImageFacts> resolveImages(
      java.util.Collection<String> references,
      Settings settings,
      AuditPolicy policy,
      Progress progress) {
    Platform platform =
        images.platform != null ? settings.platform() : Platform.parse(policy.images().platform());
    Set<String> insecure = new LinkedHashSet<>(settings.insecureRegistries());
    policy.images().insecureRegistries().forEach(h -> insecure.add(h.toLowerCase(Locale.ROOT)));
    CredentialSource credentials =
        images.resolve
            ? settings.credentials()
            : DockerConfigCredentials.fromEnvironment(environment);
    Map<String, ImageFacts> facts;
    try (ImageResolution resolution =
        new ImageResolution(ImageResolution.options(platform, insecure), credentials)) {
      facts = Map.copyOf(resolution.resolveAll(references, progress));
    }
    progress.done();
    return facts;
  }

  private static AuditRun.Audited audit(
      Target t, Map<String, ImageFacts> facts, Auditor auditor, AuditPolicy policy) {
    WorkloadContext context = facts.isEmpty() ? t.context() : t.context().withImages(facts);
    WorkloadView view = WorkloadView.of(t.workload(), context).orElseThrow();
    List<AuditRun.Image> imageFacts =
        PodTemplates.images(t.workload()).stream()
            .map(i -> new AuditRun.Image(i.container(), i.image(), context.image(i.image())))
            .toList();
    return new AuditRun.Audited(
        t.source(), t.document(), t.line(), auditor.audit(view, policy), imageFacts);
  }

  /** Writes the report and says how the run ends (the exit code). */
  private int report(
      AuditRun run, List<Rule> rules, boolean noFiles, PrintWriter out, PrintWriter err) {
    try {
      switch (output.format) {
        case json -> JsonReport.render(run, out);
        case sarif -> SarifReport.render(run, rules, Versions.current(), out);
        case table -> TableReport.render(run, out);
        default -> new TextReport(useColour()).render(run, out);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    out.flush();
    if (noFiles) {
      err.println(
          "pyhygiene: no *.yaml, *.yml or *.json files found in " + String.join(", ", input.paths));
      err.flush();
    }
    if (run.incomplete()) {
      return 2;
    }
    Severity threshold =
        switch (output.failOn) {
          case error -> Severity.ERROR;
          case warning -> Severity.WARNING;
          case never -> null;
        };
    return run.anyAtLeast(threshold) ? 1 : 0;
  }

  /**
   * What the options amount to, checked before anything is read.
   *
   * @param selector {@code -l} parsed, or null
   * @param platform the platform to read from indexes
   * @param insecureRegistries {@code host[:port]}, lower case
   * @param credentials where registry credentials come from
   */
  private record Settings(
      LabelSelector selector,
      Platform platform,
      Set<String> insecureRegistries,
      CredentialSource credentials) {}

  private static final Pattern REGISTRY_HOST =
      Pattern.compile(
          "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
              + "|\\[[0-9A-Fa-f:.]+])(?::[0-9]{1,5})?");

  private Settings validate() {
    boolean files = input.paths != null && !input.paths.isEmpty();
    if (files == input.cluster) {
      throw usage(
          files
              ? "-f and --cluster exclude each other: audit files or a cluster"
              : "say what to audit: -f PATH (files) or --cluster");
    }
    if (!input.cluster) {
      List<String> clusterOnly = new ArrayList<>();
      if (clusterOptions.kubeconfig != null) {
        clusterOnly.add("--kubeconfig");
      }
      if (clusterOptions.context != null) {
        clusterOnly.add("--context");
      }
      if (clusterOptions.namespaces != null) {
        clusterOnly.add("--namespace");
      }
      if (clusterOptions.allNamespaces) {
        clusterOnly.add("--all-namespaces");
      }
      if (clusterOptions.selector != null) {
        clusterOnly.add("--selector");
      }
      if (!clusterOnly.isEmpty()) {
        throw usage(String.join(", ", clusterOnly) + " only apply with --cluster");
      }
    }
    if (clusterOptions.allNamespaces && clusterOptions.namespaces != null) {
      throw usage("-n and -A exclude each other");
    }
    if (clusterOptions.namespaces != null) {
      for (String ns : clusterOptions.namespaces) {
        if (!ns.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
          throw usage("-n " + ns + ": not a namespace name");
        }
      }
    }
    LabelSelector selector = null;
    if (clusterOptions.selector != null) {
      try {
        selector = SelectorParser.parse(clusterOptions.selector);
      } catch (IllegalArgumentException e) {
        throw usage("-l: " + e.getMessage());
      }
    }
    if (!images.resolve
        && (images.registryConfig != null
            || images.insecureRegistries != null
            || images.platform != null)) {
      throw usage(
          "--registry-config, --insecure-registry and --platform only apply with"
              + " --resolve-images");
    }
    Platform platform = Platform.LINUX_AMD64;
    if (images.platform != null) {
      try {
        platform = Platform.parse(images.platform);
      } catch (IllegalArgumentException e) {
        throw usage("--platform: " + e.getMessage());
      }
    }
    Set<String> insecure = new LinkedHashSet<>();
    for (String host :
        images.insecureRegistries == null ? List.<String>of() : images.insecureRegistries) {
      if (!REGISTRY_HOST.matcher(host).matches()) {
        throw usage(
            "--insecure-registry "
                + host
                + ": expected HOST or HOST:PORT, without a"
                + " scheme or a path");
      }
      insecure.add(host.toLowerCase(Locale.ROOT));
    }
    CredentialSource credentials = CredentialSource.NONE;
    if (images.resolve) {
      if (images.registryConfig != null) {
        if (!Files.isRegularFile(images.registryConfig)) {
          throw usage("--registry-config " + images.registryConfig + ": no such file");
        }
        credentials = DockerConfigCredentials.fromFile(images.registryConfig);
      } else {
        credentials = DockerConfigCredentials.fromEnvironment(environment);
      }
    }
    return new Settings(selector, platform, insecure, credentials);
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private boolean useColour() {
    return terminal
        && !output.noColor
        && !environment.containsKey("NO_COLOR")
        && !"dumb".equals(environment.get("TERM"))
        && output.format == Format.text;
  }

  static final class PolicyException extends Exception {
    PolicyException(String message) {
      super(message);
    }
  }

  private AuditPolicy loadPolicy(List<Rule> rules) throws PolicyException {
    PolicyResolver resolver = new PolicyResolver(rules);
    Path policyFile = output.policyFile;
    if (policyFile == null) {
      return resolver.resolve("", null).policy();
    }
    if (!Files.isRegularFile(policyFile)) {
      throw new PolicyException(policyFile + ": no such file");
    }
    JsonNode node;
    try {
      node = ManifestLoader.readSingle(policyFile);
    } catch (IOException e) {
      throw new PolicyException(policyFile + ": " + e.getMessage().replaceAll("\\s+", " "));
    }
    if (!"PythonHygienePolicy".equals(node.path("kind").asText())
        || !"pyhygiene.io/v1alpha1".equals(node.path("apiVersion").asText())) {
      throw new PolicyException(
          policyFile
              + ": expected apiVersion pyhygiene.io/v1alpha1,"
              + " kind PythonHygienePolicy");
    }
    // Read the spec, not the CustomResource: its class would start the logging system and
    // the client's machinery for a file the CLI only needs the fields of.
    java.util.Iterator<String> fields = node.fieldNames();
    while (fields.hasNext()) {
      String field = fields.next();
      if (!List.of("apiVersion", "kind", "metadata", "spec", "status").contains(field)) {
        throw new PolicyException(policyFile + ": " + field + ": unknown field");
      }
    }
    PythonHygienePolicySpec spec;
    try {
      spec = node.hasNonNull("spec") ? StrictPolicy.READER.readValue(node.get("spec")) : null;
    } catch (JsonMappingException e) {
      throw new PolicyException(
          policyFile
              + ": spec."
              + ManifestLoader.fieldPath(e)
              + ": "
              + (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException
                  ? "unknown field"
                  : ManifestLoader.mappingProblem(e)));
    } catch (IOException e) {
      throw new PolicyException(policyFile + ": " + e.getMessage());
    }
    String name = node.path("metadata").path("name").asText("");
    PolicyResolver.Result result = resolver.resolve(name, spec);
    if (!result.valid()) {
      throw new PolicyException(
          policyFile + ": invalid policy: " + String.join("; ", result.errors()));
    }
    return result.policy();
  }

  /**
   * Policies are read strictly: a misspelt field is an error, not silently ignored. A holder, so
   * the reader (and the policy's deserializers, built with it) is made only when a policy file is
   * read, not on every start.
   */
  private static final class StrictPolicy {
    static final com.fasterxml.jackson.databind.ObjectReader READER =
        io.pyhygiene.json.Json.MAPPER
            .readerFor(PythonHygienePolicySpec.class)
            .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }
}
