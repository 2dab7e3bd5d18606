package io.pyhygiene.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.pyhygiene.testkit.RealCluster;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code audit --cluster -A} over thousands of objects across namespaces: lists are paged (500 a
 * page, and there are more Deployments than that), every workload is audited exactly once, and a
 * terminal sees a progress line that is cleared before the report.
 */
class ClusterScaleIT {

  @RegisterExtension static final RealCluster cluster = new RealCluster();

  static final ObjectMapper JSON = new ObjectMapper();

  static final int NAMESPACES = 10;

  /** Per namespace. Deployments: 1,200 in all, so a cluster-wide list takes three pages. */
  static final Map<String, Integer> PER_NAMESPACE =
      Map.of(
          "Deployment",
          120,
          "StatefulSet",
          30,
          "DaemonSet",
          20,
          "CronJob",
          20,
          "Job",
          20,
          "Service",
          40,
          "ConfigMap",
          40);

  /** Creations in flight at once. */
  static final int PARALLEL = 8;

  @TempDir Path tmp;

  static PodTemplateSpec template(String app, String restartPolicy) {
    Container c =
        new ContainerBuilder()
            .withName("app")
            .withImage("python:3.12-slim")
            .withCommand("gunicorn", "app:app", "-w", "4")
            .addNewPort()
            .withContainerPort(8000)
            .endPort()
            .build();
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .addToLabels("app", app)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy(restartPolicy)
        .withContainers(c)
        .endSpec()
        .build();
  }

  /** The objects of one namespace, workloads labelled with the run's label. */
  static List<HasMetadata> objects(String ns, String run) {
    List<HasMetadata> out = new ArrayList<>();
    Map<String, String> labels = Map.of("scale-it", run);
    for (int i = 0; i < PER_NAMESPACE.get("Deployment"); i++) {
      out.add(
          new DeploymentBuilder()
              .withNewMetadata()
              .withName("web-" + i)
              .withNamespace(ns)
              .withLabels(labels)
              .endMetadata()
              .withNewSpec()
              .withReplicas(0)
              .withNewSelector()
              .addToMatchLabels("app", "web-" + i)
              .endSelector()
              .withTemplate(template("web-" + i, "Always"))
              .endSpec()
              .build());
    }
    for (int i = 0; i < PER_NAMESPACE.get("StatefulSet"); i++) {
      out.add(
          new StatefulSetBuilder()
              .withNewMetadata()
              .withName("db-" + i)
              .withNamespace(ns)
              .withLabels(labels)
              .endMetadata()
              .withNewSpec()
              .withReplicas(0)
              .withServiceName("db")
              .withNewSelector()
              .addToMatchLabels("app", "db-" + i)
              .endSelector()
              .withTemplate(template("db-" + i, "Always"))
              .endSpec()
              .build());
    }
    for (int i = 0; i < PER_NAMESPACE.get("DaemonSet"); i++) {
      out.add(
          new DaemonSetBuilder()
              .withNewMetadata()
              .withName("agent-" + i)
              .withNamespace(ns)
              .withLabels(labels)
              .endMetadata()
              .withNewSpec()
              .withNewSelector()
              .addToMatchLabels("app", "agent-" + i)
              .endSelector()
              .withTemplate(template("agent-" + i, "Always"))
              .endSpec()
              .build());
    }
    for (int i = 0; i < PER_NAMESPACE.get("CronJob"); i++) {
      out.add(
          new CronJobBuilder()
              .withNewMetadata()
              .withName("nightly-" + i)
              .withNamespace(ns)
              .withLabels(labels)
              .endMetadata()
              .withNewSpec()
              .withSchedule("0 3 * * *")
              .withSuspend(true)
              .withNewJobTemplate()
              .withNewSpec()
              .withTemplate(template("nightly-" + i, "Never"))
              .endSpec()
              .endJobTemplate()
              .endSpec()
              .build());
    }
    for (int i = 0; i < PER_NAMESPACE.get("Job"); i++) {
      out.add(
          new JobBuilder()
              .withNewMetadata()
              .withName("batch-" + i)
              .withNamespace(ns)
              .withLabels(labels)
              .endMetadata()
              .withNewSpec()
              .withSuspend(true)
              .withTemplate(template("batch-" + i, "Never"))
              .endSpec()
              .build());
    }
    for (int i = 0; i < PER_NAMESPACE.get("Service"); i++) {
      out.add(
          new ServiceBuilder()
              .withNewMetadata()
              .withName("web-" + i)
              .withNamespace(ns)
              .endMetadata()
              .withNewSpec()
              .withClusterIP("None") // headless: the test range has few IPs
              .addToSelector("app", "web-" + i)
              .addNewPort()
              .withPort(80)
              .withNewTargetPort(8000)
              .endPort()
              .endSpec()
              .build());
    }
    for (int i = 0; i < PER_NAMESPACE.get("ConfigMap"); i++) {
      out.add(
          new ConfigMapBuilder()
              .withNewMetadata()
              .withName("config-" + i)
              .withNamespace(ns)
              .endMetadata()
              .addToData("settings.py", "DEBUG = False\n")
              .build());
    }
    return out;
  }

  record Result(int code, String out, String err, long millis) {}

  Result audit(boolean terminal, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli =
        new CommandLine(
                new AuditCommand(
                    new ByteArrayInputStream(new byte[0]),
                    Map.of("HOME", tmp.toString()),
                    terminal))
            .setCaseInsensitiveEnumValuesAllowed(true)
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true));
    List<String> all =
        new ArrayList<>(
            List.of(
                "--cluster",
                "--kubeconfig",
                RealCluster.kubeconfig().toString(),
                "--now",
                "2026-12-02"));
    all.addAll(List.of(args));
    long start = System.nanoTime();
    int code = cli.execute(all.toArray(String[]::new));
    return new Result(
        code, out.toString(), err.toString(), (System.nanoTime() - start) / 1_000_000);
  }

  @Test
  void thousandsOfObjectsAcrossNamespacesAreEachAuditedOnce() throws Exception {
    String run = Long.toString(System.nanoTime(), 36);
    List<String> namespaces = new ArrayList<>();
    List<HasMetadata> all = new ArrayList<>();
    for (int i = 0; i < NAMESPACES; i++) {
      String ns = cluster.createNamespace();
      namespaces.add(ns);
      all.addAll(objects(ns, run));
    }
    long start = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
    try {
      List<Future<?>> created = new ArrayList<>();
      for (HasMetadata o : all) {
        created.add(
            pool.submit(
                () ->
                    cluster
                        .client()
                        .resource(o)
                        .fieldManager("scale-it")
                        .forceConflicts()
                        .serverSideApply()));
      }
      for (Future<?> f : created) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    long createMillis = (System.nanoTime() - start) / 1_000_000;
    System.out.printf(
        "[ClusterScaleIT] applied %d objects in %d namespaces in %.1f s (%d in" + " parallel)%n",
        all.size(), NAMESPACES, createMillis / 1000.0, PARALLEL);

    Result everywhere =
        audit(false, "-A", "-l", "scale-it=" + run, "-o", "json", "--fail-on", "never");
    System.out.printf("[ClusterScaleIT] audit --cluster -A: %d ms%n", everywhere.millis());
    assertThat(everywhere.err()).isEmpty();
    assertThat(everywhere.code()).isZero();
    JsonNode report = JSON.readTree(everywhere.out());
    int workloads =
        NAMESPACES
            * (PER_NAMESPACE.get("Deployment")
                + PER_NAMESPACE.get("StatefulSet")
                + PER_NAMESPACE.get("DaemonSet")
                + PER_NAMESPACE.get("CronJob")
                + PER_NAMESPACE.get("Job"));
    assertThat(report.path("summary").path("workloads").asInt()).isEqualTo(workloads);
    Map<String, Integer> byKind = new TreeMap<>();
    java.util.Set<String> distinct = new java.util.HashSet<>();
    for (JsonNode w : report.path("workloads")) {
      byKind.merge(w.path("kind").asText(), 1, Integer::sum);
      distinct.add(
          w.path("kind").asText()
              + "/"
              + w.path("namespace").asText()
              + "/"
              + w.path("name").asText());
      assertThat(w.path("python").asBoolean()).isTrue();
    }
    assertThat(distinct).hasSize(workloads); // no page read twice
    for (String kind : List.of("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job")) {
      assertThat(byKind.get(kind)).as(kind).isEqualTo(NAMESPACES * PER_NAMESPACE.get(kind));
    }
    // the Services in each namespace decide serving: web-0..39 are routed to, web-40.. are not
    JsonNode routed = null;
    JsonNode unrouted = null;
    for (JsonNode w : report.path("workloads")) {
      if (w.path("kind").asText().equals("Deployment") && w.path("name").asText().equals("web-0")) {
        routed = w;
      } else if (w.path("kind").asText().equals("Deployment")
          && w.path("name").asText().equals("web-100")) {
        unrouted = w;
      }
    }
    assertThat(routed.toString()).contains("Service web-0 routes traffic to it");
    assertThat(unrouted.toString()).doesNotContain("prestop-missing");

    // two namespaces by name
    Result two =
        audit(
            false,
            "-n",
            namespaces.get(0) + "," + namespaces.get(1),
            "-o",
            "table",
            "--fail-on",
            "never");
    assertThat(two.out().lines().filter(l -> !l.startsWith("VERDICT")).count())
        .isEqualTo(2L * workloads / NAMESPACES);

    // on a terminal: a progress line on stderr, rewritten in place and cleared at the end
    Result onTerminal =
        audit(true, "-A", "-l", "scale-it=" + run, "-o", "table", "--fail-on", "never");
    System.out.printf(
        "[ClusterScaleIT] audit --cluster -A -o table on a terminal: %d ms%n", onTerminal.millis());
    assertThat(onTerminal.err())
        .startsWith("\rpyhygiene: listing the cluster: ")
        .endsWith("\r")
        .doesNotContain("\n");

    // Leave the cluster quiet for the tests that follow (the operator's ITs run next in
    // `make test`): the namespaces are deleted now and waited for, not in the background.
    long deleting = System.nanoTime();
    for (String ns : namespaces) {
      cluster.client().namespaces().withName(ns).delete();
    }
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofMinutes(5))
        .pollInterval(java.time.Duration.ofSeconds(1))
        .until(
            () ->
                namespaces.stream()
                    .allMatch(ns -> cluster.client().namespaces().withName(ns).get() == null));
    System.out.printf(
        "[ClusterScaleIT] namespaces deleted in %.1f s%n", (System.nanoTime() - deleting) / 1e9);
  }
}
