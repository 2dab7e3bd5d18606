package io.pyhygiene.cli;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pyhygiene.cli.PodEvidence.WorkloadKey;
import io.pyhygiene.engine.LabelSelectors;
import io.pyhygiene.workload.Observations;
import io.pyhygiene.workload.Observations.Termination;
import io.pyhygiene.workload.WorkloadContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * {@code audit --cluster}: a read-only scan. Lists (never watches, never writes) every audited
 * kind, Pods, Services and ConfigMaps, page by page ({@code limit}/{@code continue}), and turns
 * them into what the engine audits: the workloads no controller owns, each with its namespace's
 * Services and ConfigMaps and the terminations its Pods recorded.
 *
 * <p>A list the user may not make (403) does not stop the scan: with {@code -A} a kind that cannot
 * be listed cluster-wide is listed namespace by namespace, and whatever stays unreadable is
 * reported, by namespace, as a {@link AuditRun.ReadError}. Only an API server that cannot be
 * reached or refuses the credentials (401) ends the scan.
 */
final class ClusterScan {

  /** What is listed, in report order; {@code workload} kinds are audited. */
  enum Resource {
    DEPLOYMENTS("deployments", Deployment.class, true),
    STATEFULSETS("statefulsets", StatefulSet.class, true),
    DAEMONSETS("daemonsets", DaemonSet.class, true),
    CRONJOBS("cronjobs", CronJob.class, true),
    JOBS("jobs", Job.class, true),
    REPLICASETS("replicasets", ReplicaSet.class, true),
    PODS("pods", Pod.class, true),
    SERVICES("services", Service.class, false),
    CONFIGMAPS("configmaps", ConfigMap.class, false);

    final String plural;
    final Class<? extends HasMetadata> type;
    final boolean workload;

    Resource(String plural, Class<? extends HasMetadata> type, boolean workload) {
      this.plural = plural;
      this.type = type;
      this.workload = workload;
    }
  }

  /** Which namespaces: {@code all} (cluster-wide lists), or the named ones. */
  record Scope(boolean all, List<String> namespaces) {
    Scope {
      namespaces = List.copyOf(namespaces);
    }
  }

  /** A workload to audit and everything the engine may know about it. */
  record Target(HasMetadata workload, WorkloadContext context) {}

  /**
   * What the scan found.
   *
   * @param targets the workloads to audit, by namespace, kind and name
   * @param errors what could not be listed, one entry per namespace and status
   * @param objects how many objects were read
   * @param empty namespaces named with -n in which nothing at all was found (a typo, or a namespace
   *     that does not exist: telling them apart would need {@code get} on namespaces)
   */
  record Result(
      List<Target> targets, List<AuditRun.ReadError> errors, int objects, List<String> empty) {}

  /** The scan cannot go on: the API server did not answer, or refused the credentials. */
  static final class FatalException extends Exception {
    FatalException(String message) {
      super(message);
    }
  }

  /** Where a list failed and how. */
  private record Failure(String namespace, Resource resource, int status, String reason) {}

  /** Objects per list page: what kubectl asks for. */
  static final long PAGE_SIZE = 500;

  private static final String ALL = "";

  /** The status of a list whose answer could not be read. */
  private static final int UNREADABLE = -2;

  private final KubernetesClient client;
  private final Progress progress;
  private final long pageSize;
  private final int threads;
  private final AtomicInteger read = new AtomicInteger();
  private final Map<Resource, List<HasMetadata>> objects = new ConcurrentHashMap<>();
  private final List<Failure> failures = java.util.Collections.synchronizedList(new ArrayList<>());

  ClusterScan(KubernetesClient client, Progress progress, long pageSize, int threads) {
    this.client = client;
    this.progress = progress;
    this.pageSize = pageSize;
    this.threads = threads;
    for (Resource r : Resource.values()) {
      objects.put(r, java.util.Collections.synchronizedList(new ArrayList<>()));
    }
  }

  Result scan(Scope scope, LabelSelector selector) throws FatalException {
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "pyhygiene-list");
              t.setDaemon(true);
              return t;
            });
    try {
      if (scope.all()) {
        run(pool, Resource.values(), List.of(ALL));
        Set<Resource> forbidden = new LinkedHashSet<>();
        synchronized (failures) {
          failures.stream()
              .filter(f -> f.status() == 403)
              .forEach(f -> forbidden.add(f.resource()));
          failures.removeIf(f -> f.status() == 403);
        }
        if (!forbidden.isEmpty()) {
          perNamespace(pool, forbidden);
        }
      } else {
        run(pool, Resource.values(), scope.namespaces());
      }
    } finally {
      pool.shutdownNow();
    }
    progress.done();
    List<String> empty = new ArrayList<>();
    if (!scope.all()) {
      for (String ns : scope.namespaces()) {
        boolean failed;
        synchronized (failures) {
          failed = failures.stream().anyMatch(f -> f.namespace().equals(ns));
        }
        if (!failed
            && objects.values().stream()
                .flatMap(List::stream)
                .noneMatch(o -> PodEvidence.namespace(o).equals(ns))) {
          empty.add(ns);
        }
      }
    }
    return new Result(targets(selector), errors(), read.get(), empty);
  }

  /**
   * Lists the resources cluster-wide lists did not give, namespace by namespace, when the user may
   * list the namespaces themselves; otherwise says what is missing everywhere.
   */
  private void perNamespace(ExecutorService pool, Set<Resource> forbidden) throws FatalException {
    List<String> namespaces;
    try {
      namespaces =
          list(Namespace.class, null).stream()
              .map(n -> n.getMetadata().getName())
              .sorted()
              .toList();
    } catch (KubernetesClientException e) {
      fatalIfUnreachable(e);
      for (Resource r : forbidden) {
        failures.add(new Failure(ALL, r, e.getCode(), reason(e)));
      }
      return;
    }
    run(pool, forbidden.toArray(Resource[]::new), namespaces);
  }

  /** Lists every resource in every namespace ({@code ALL}: cluster-wide), in parallel. */
  private void run(ExecutorService pool, Resource[] resources, List<String> namespaces)
      throws FatalException {
    List<CompletableFuture<Void>> tasks = new ArrayList<>();
    for (String ns : namespaces) {
      for (Resource r : resources) {
        tasks.add(
            CompletableFuture.runAsync(
                () -> {
                  try {
                    objects.get(r).addAll(list(r.type, ns.equals(ALL) ? null : ns));
                  } catch (KubernetesClientException e) {
                    failures.add(new Failure(ns, r, e.getCode(), reason(e)));
                  } catch (RuntimeException e) {
                    // not the API server's answer (an object the model cannot read, say): that kind
                    // in that namespace is missing, the rest goes on
                    String why =
                        e.getClass().getSimpleName()
                            + (e.getMessage() == null
                                ? ""
                                : ": " + e.getMessage().replaceAll("\\s+", " "));
                    failures.add(
                        new Failure(
                            ns,
                            r,
                            UNREADABLE,
                            why.length() <= 240 ? why : why.substring(0, 240) + "..."));
                  }
                },
                pool));
      }
    }
    try {
      CompletableFuture.allOf(tasks.toArray(CompletableFuture[]::new)).join();
    } catch (CompletionException e) {
      throw new IllegalStateException(e.getCause());
    }
    synchronized (failures) {
      for (Failure f : failures) {
        if ((f.status() <= 0 && f.status() != UNREADABLE) || f.status() == 401) {
          throw new FatalException(
              f.status() == 401
                  ? "the API server at "
                      + client.getMasterUrl()
                      + " refused the credentials (401"
                      + " Unauthorized): check the kubeconfig's user for this context"
                  : "cannot reach the API server at " + client.getMasterUrl() + ": " + f.reason());
        }
      }
    }
  }

  private void fatalIfUnreachable(KubernetesClientException e) throws FatalException {
    if (e.getCode() <= 0 || e.getCode() == 401) {
      throw new FatalException(
          "cannot list namespaces at " + client.getMasterUrl() + ": " + reason(e));
    }
  }

  /**
   * Every page of one list. A continue token that expired (410, a list slower than etcd's
   * compaction) restarts the list once from the start, as a consistent snapshot is wanted.
   */
  private <T extends HasMetadata> List<T> list(Class<T> type, String namespace) {
    for (int attempt = 0; ; attempt++) {
      List<T> out = new ArrayList<>();
      String token = null;
      try {
        do {
          ListOptions options =
              new ListOptionsBuilder().withLimit(pageSize).withContinue(token).build();
          KubernetesResourceList<T> page =
              namespace == null
                  ? client.resources(type).inAnyNamespace().list(options)
                  : client.resources(type).inNamespace(namespace).list(options);
          out.addAll(page.getItems());
          int n = read.addAndGet(page.getItems().size());
          progress.accept("listing the cluster: " + n + " objects read");
          token = page.getMetadata() == null ? null : page.getMetadata().getContinue();
        } while (token != null && !token.isEmpty());
        return out;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 410 || attempt > 0) {
          throw e;
        }
        read.addAndGet(-out.size());
      }
    }
  }

  /** The workloads to audit, each with its namespace's context and its Pods' evidence. */
  private List<Target> targets(LabelSelector selector) {
    PodEvidence.Owners owners = new PodEvidence.Owners();
    objects.get(Resource.REPLICASETS).forEach(owners::add);
    objects.get(Resource.JOBS).forEach(owners::add);

    Map<WorkloadKey, HasMetadata> workloads = new LinkedHashMap<>();
    for (Resource r : Resource.values()) {
      if (!r.workload) {
        continue;
      }
      for (HasMetadata o : objects.get(r)) {
        if (!ManifestLoader.ownedByController(o)
            && LabelSelectors.matches(selector, o.getMetadata().getLabels())) {
          workloads.put(WorkloadKey.of(o), o);
        }
      }
    }
    Map<WorkloadKey, List<Termination>> evidence = new HashMap<>();
    for (HasMetadata o : objects.get(Resource.PODS)) {
      Pod pod = (Pod) o;
      List<Termination> terminations = PodEvidence.terminations(pod);
      if (!terminations.isEmpty()) {
        PodEvidence.owner(pod, owners, workloads.keySet())
            .ifPresent(
                key -> evidence.computeIfAbsent(key, k -> new ArrayList<>()).addAll(terminations));
      }
    }
    Map<String, WorkloadContext> contexts = new HashMap<>();
    List<Target> out = new ArrayList<>();
    workloads.entrySet().stream()
        .sorted(
            Comparator.comparing((Map.Entry<WorkloadKey, HasMetadata> e) -> e.getKey().namespace())
                .thenComparing(e -> kindOrder(e.getKey().kind()))
                .thenComparing(e -> e.getKey().name()))
        .forEach(
            e -> {
              WorkloadContext context =
                  contexts.computeIfAbsent(e.getKey().namespace(), this::context);
              List<Termination> observed = evidence.getOrDefault(e.getKey(), List.of());
              out.add(
                  new Target(
                      e.getValue(),
                      observed.isEmpty()
                          ? context
                          : context.withObservations(new Observations(observed, List.of()))));
            });
    return out;
  }

  private static int kindOrder(String kind) {
    for (Resource r : Resource.values()) {
      if (HasMetadata.getKind(r.type).equals(kind)) {
        return r.ordinal();
      }
    }
    return Integer.MAX_VALUE;
  }

  /**
   * A namespace's Services (absent when they could not be listed: then ports count as serving, and
   * findings say so) and ConfigMaps (scripts mounted from them are read).
   */
  private WorkloadContext context(String namespace) {
    Optional<List<Service>> services =
        readable(namespace, Resource.SERVICES)
            ? Optional.of(inNamespace(Resource.SERVICES, namespace, Service.class))
            : Optional.empty();
    return new WorkloadContext(
        services,
        inNamespace(Resource.CONFIGMAPS, namespace, ConfigMap.class),
        Map.of(),
        Observations.NONE);
  }

  private <T extends HasMetadata> List<T> inNamespace(Resource r, String namespace, Class<T> type) {
    return objects.get(r).stream()
        .filter(o -> PodEvidence.namespace(o).equals(namespace))
        .map(type::cast)
        .toList();
  }

  private boolean readable(String namespace, Resource r) {
    synchronized (failures) {
      return failures.stream()
          .noneMatch(
              f ->
                  f.resource() == r
                      && (f.namespace().equals(namespace) || f.namespace().equals(ALL)));
    }
  }

  /** One error per namespace and status, naming the resources and what their absence costs. */
  private List<AuditRun.ReadError> errors() {
    Map<String, Map<Integer, Set<Resource>>> grouped = new TreeMap<>();
    Map<String, String> unreadable = new HashMap<>();
    synchronized (failures) {
      for (Failure f : failures) {
        grouped
            .computeIfAbsent(f.namespace(), k -> new TreeMap<>())
            .computeIfAbsent(f.status(), k -> new java.util.TreeSet<>())
            .add(f.resource());
        if (f.status() == UNREADABLE) {
          unreadable.putIfAbsent(f.namespace(), f.reason());
        }
      }
    }
    List<AuditRun.ReadError> out = new ArrayList<>();
    grouped.forEach(
        (ns, byStatus) ->
            byStatus.forEach(
                (status, resources) -> {
                  List<String> names = resources.stream().map(r -> r.plural).toList();
                  String what =
                      "cannot list "
                          + String.join(", ", names)
                          + " ("
                          + (status == UNREADABLE
                              ? "unreadable answer: " + unreadable.get(ns)
                              : status(status))
                          + ")";
                  if (ns.equals(ALL)) {
                    // cluster-wide lists refused, and the namespaces could not be listed to go one
                    // by one
                    what =
                        "cannot list "
                            + String.join(", ", names)
                            + " in all namespaces, nor the"
                            + " namespaces to list them one by one ("
                            + status(status)
                            + "); name namespaces"
                            + " with -n";
                  }
                  out.add(
                      new AuditRun.ReadError(
                          ns,
                          names,
                          status == UNREADABLE ? 0 : status,
                          what + consequences(resources)));
                }));
    return out;
  }

  private static String consequences(Set<Resource> missing) {
    List<String> parts = new ArrayList<>();
    String kinds =
        missing.stream()
            .filter(r -> r.workload && r != Resource.PODS)
            .map(r -> HasMetadata.getKind(r.type) + "s")
            .collect(Collectors.joining(", "));
    if (!kinds.isEmpty()) {
      parts.add(kinds + " not audited");
    }
    if (missing.contains(Resource.PODS)) {
      parts.add("bare Pods not audited and no runtime evidence");
    }
    if (missing.contains(Resource.SERVICES)) {
      parts.add("serving judged from declared ports");
    }
    if (missing.contains(Resource.CONFIGMAPS)) {
      parts.add("scripts mounted from ConfigMaps not read");
    }
    return parts.isEmpty() ? "" : ": " + String.join("; ", parts);
  }

  private static String status(int code) {
    return switch (code) {
      case 403 -> "403 Forbidden";
      case 404 -> "404 Not Found: the API server does not serve it";
      case 0, -1 -> "no answer";
      default -> "HTTP " + code;
    };
  }

  /**
   * Why there was no HTTP answer: fabric8's own message names only the operation, and the JDK
   * client's root cause is often a bare ClosedChannelException; the first telling cause says it.
   */
  static String transportFailure(Throwable e) {
    Throwable root = e;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return "connection refused";
      }
      if (t instanceof java.net.UnknownHostException) {
        return "unknown host " + t.getMessage();
      }
      if (t instanceof javax.net.ssl.SSLException) {
        return "TLS failed: " + t.getMessage();
      }
      if (t instanceof java.net.http.HttpTimeoutException
          || t instanceof java.net.SocketTimeoutException) {
        return "timed out";
      }
      root = t;
    }
    return root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }

  /** One line, without anything a response body may carry beyond the API server's message. */
  private static String reason(KubernetesClientException e) {
    String m;
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      m = e.getStatus().getMessage();
    } else {
      m = transportFailure(e);
    }
    m = m.replaceAll("\\s+", " ").trim();
    return m.length() <= 240 ? m : m.substring(0, 240) + "...";
  }
}
