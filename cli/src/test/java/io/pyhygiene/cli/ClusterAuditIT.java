package io.pyhygiene.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pyhygiene.testkit.HeldPods;
import io.pyhygiene.testkit.Kubelet;
import io.pyhygiene.testkit.RealCluster;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code audit --cluster} on the real control plane (kube-apiserver, kube-controller-manager,
 * etcd): every kind listed and nothing owned reported twice, Services and ConfigMaps used, runtime
 * evidence from Pod statuses (written through the status subresource, as there is no kubelet), and
 * a user RBAC allows only some namespaces.
 */
class ClusterAuditIT {

  @RegisterExtension static final RealCluster cluster = new RealCluster();

  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  final HeldPods held = new HeldPods(cluster.client());

  @AfterEach
  void releaseHeldPods() {
    held.release();
  }

  static KubernetesClient k8s() {
    return cluster.client();
  }

  record Result(int code, String out, String err) {
    JsonNode json() throws Exception {
      return JSON.readTree(out);
    }
  }

  Result audit(Path kubeconfig, boolean terminal, String... args) {
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
                kubeconfig.toString(),
                "--now",
                "2026-12-02",
                "-o",
                "json"));
    all.addAll(List.of(args));
    return new Result(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
  }

  Result audit(String... args) {
    return audit(RealCluster.kubeconfig(), false, args);
  }

  static void apply(String ns, String yaml) {
    for (HasMetadata item :
        k8s().load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items()) {
      k8s().resource(item).inNamespace(ns).fieldManager("it").forceConflicts().serverSideApply();
    }
  }

  /** Kind/name of each audited workload, e.g. {@code Deployment/web}. */
  static Set<String> workloads(JsonNode report) {
    Set<String> out = new TreeSet<>();
    report
        .path("workloads")
        .forEach(w -> out.add(w.path("kind").asText() + "/" + w.path("name").asText()));
    return out;
  }

  static JsonNode workload(JsonNode report, String kind, String name) {
    for (JsonNode w : report.path("workloads")) {
      if (w.path("kind").asText().equals(kind) && w.path("name").asText().equals(name)) {
        return w;
      }
    }
    throw new AssertionError("no " + kind + "/" + name + " in " + workloads(report));
  }

  static Set<String> rules(JsonNode workload) {
    Set<String> out = new TreeSet<>();
    workload.path("findings").forEach(f -> out.add(f.path("rule").asText()));
    return out;
  }

  static JsonNode finding(JsonNode workload, String rule) {
    for (JsonNode f : workload.path("findings")) {
      if (f.path("rule").asText().equals(rule)) {
        return f;
      }
    }
    throw new AssertionError("no " + rule + " in " + workload);
  }

  static final String EVERY_KIND =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, labels: {tier: web}}
      spec:
        replicas: 1
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            volumes: [{name: scripts, configMap: {name: web-scripts, defaultMode: 0755}}]
            containers:
              - name: app
                image: python:3.12-slim
                command: [/scripts/start.sh]
                ports: [{containerPort: 8000, name: http}]
                volumeMounts: [{name: scripts, mountPath: /scripts}]
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: web-scripts}
      data:
        start.sh: |
          #!/bin/sh
          cd /app
          gunicorn app:app -b 0.0.0.0:8000
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: web-svc}
      spec:
        selector: {app: web}
        ports: [{port: 80, targetPort: http}]
      ---
      apiVersion: apps/v1
      kind: StatefulSet
      metadata: {name: db}
      spec:
        replicas: 1
        serviceName: db
        selector: {matchLabels: {app: db}}
        template:
          metadata: {labels: {app: db}}
          spec:
            containers:
              - {name: app, image: "python:3.12-slim", command: [celery, -A, proj, worker],
                 ports: [{containerPort: 8000}]}
      ---
      apiVersion: apps/v1
      kind: DaemonSet
      metadata: {name: agent}
      spec:
        selector: {matchLabels: {app: agent}}
        template:
          metadata: {labels: {app: agent}}
          spec:
            containers:
              - {name: app, image: "python:3.12-slim", command: [python, -m, agent]}
      ---
      apiVersion: batch/v1
      kind: CronJob
      metadata: {name: nightly}
      spec:
        schedule: "0 3 * * *"
        suspend: true
        jobTemplate:
          spec:
            template:
              spec:
                restartPolicy: Never
                containers:
                  - {name: app, image: "python:3.12-slim", command: [python, manage.py, clearsessions]}
      ---
      apiVersion: batch/v1
      kind: Job
      metadata: {name: batch}
      spec:
        backoffLimit: 0
        template:
          spec:
            restartPolicy: Never
            containers:
              - {name: app, image: "python:3.12-slim", command: [python, migrate.py]}
      ---
      apiVersion: apps/v1
      kind: ReplicaSet
      metadata: {name: lonely}
      spec:
        replicas: 0
        selector: {matchLabels: {app: lonely}}
        template:
          metadata: {labels: {app: lonely}}
          spec:
            containers:
              - {name: app, image: "python:3.12-slim", command: [gunicorn, app:app]}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: tool, labels: {app: tool}}
      spec:
        containers:
          - {name: app, image: "python:3.12-slim", command: [python, tool.py]}
      """;

  /** A Job as the CronJob controller would create it: controlled by the CronJob. */
  static void runCronJob(String ns, String cronJob, String jobName) {
    CronJob cj = k8s().resources(CronJob.class).inNamespace(ns).withName(cronJob).get();
    Job job =
        new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
            .withNewMetadata()
            .withName(jobName)
            .withNamespace(ns)
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("batch/v1")
                    .withKind("CronJob")
                    .withName(cronJob)
                    .withUid(cj.getMetadata().getUid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build())
            .endMetadata()
            .withSpec(cj.getSpec().getJobTemplate().getSpec())
            .build();
    k8s().resource(job).create();
  }

  static Pod onePod(String ns, String label, String value) {
    return await()
        .atMost(TIMEOUT)
        .until(
            () ->
                k8s().pods().inNamespace(ns).withLabel(label, value).list().getItems().stream()
                    .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                    .toList(),
            l -> l.size() == 1)
        .get(0);
  }

  @Test
  void everyKindIsAuditedOnceWithItsServicesAndScripts() throws Exception {
    String ns = cluster.createNamespace();
    apply(ns, EVERY_KIND);
    runCronJob(ns, "nightly", "nightly-manual");
    // the controllers' objects exist: the Deployment's ReplicaSet and Pod, the StatefulSet's
    // Pod, the Jobs' Pods
    onePod(ns, "app", "web");
    onePod(ns, "app", "db");
    await()
        .atMost(TIMEOUT)
        .until(
            () -> k8s().pods().inNamespace(ns).withLabel("job-name").list().getItems().size() == 2);

    Result r = audit("-n", ns);
    assertThat(r.err()).isEmpty();
    JsonNode report = r.json();
    // owned ReplicaSets, Jobs and Pods are audited through their owners, never twice
    assertThat(workloads(report))
        .containsExactly(
            "CronJob/nightly",
            "DaemonSet/agent",
            "Deployment/web",
            "Job/batch",
            "Pod/tool",
            "ReplicaSet/lonely",
            "StatefulSet/db");
    JsonNode web = workload(report, "Deployment", "web");
    assertThat(web.path("namespace").asText()).isEqualTo(ns);
    assertThat(web.path("apiVersion").asText()).isEqualTo("apps/v1");
    // the Service decides serving, and the ConfigMap's script is read: sh keeps PID 1
    assertThat(finding(web, "prestop-missing").path("message").asText())
        .contains("Service web-svc routes traffic to it");
    assertThat(finding(web, "shell-wrapper").path("message").asText()).contains("start.sh");
    // the other serving containers have no Service in the namespace routing to them
    assertThat(rules(workload(report, "StatefulSet", "db"))).doesNotContain("prestop-missing");
    assertThat(workload(report, "CronJob", "nightly").path("apiVersion").asText())
        .isEqualTo("batch/v1");

    // a namespace with nothing in it is mentioned, not an error
    Result typo = audit("-n", ns + ",no-such-namespace-" + ns);
    assertThat(typo.code()).isEqualTo(1);
    assertThat(typo.err())
        .isEqualTo(
            "pyhygiene: namespace no-such-namespace-" + ns + ": nothing found (does it exist?)\n");
    assertThat(typo.out()).isEqualTo(r.out());

    // -l selects by the workload's own labels
    assertThat(workloads(audit("-n", ns, "-l", "tier=web").json()))
        .containsExactly("Deployment/web");
    assertThat(workloads(audit("-n", ns, "-l", "tier notin (web)").json()))
        .doesNotContain("Deployment/web")
        .contains("Pod/tool");
  }

  /** Holds the pod with a finalizer and deletes it: it stays, with a deletionTimestamp. */
  void deleteHeld(Pod pod) {
    String ns = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    held.holdAndDelete(pod);
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                k8s()
                        .pods()
                        .inNamespace(ns)
                        .withName(name)
                        .get()
                        .getMetadata()
                        .getDeletionTimestamp()
                    != null);
  }

  @Test
  void runtimeEvidenceFromPodStatusesReachesTheOwningWorkload() throws Exception {
    String ns = cluster.createNamespace();
    apply(ns, EVERY_KIND);
    runCronJob(ns, "nightly", "nightly-manual");

    // Deployment: its ReplicaSet's pod SIGKILLed while being deleted
    Pod web = onePod(ns, "app", "web");
    deleteHeld(web);
    Kubelet.terminate(k8s(), web, false, 137, "Error");
    // CronJob: the pod of the Job it created, SIGKILLed while being deleted
    Pod nightly = onePod(ns, "job-name", "nightly-manual");
    deleteHeld(nightly);
    Kubelet.terminate(k8s(), nightly, false, 137, "Error");
    // Job: its pod OOMKilled
    Kubelet.terminate(k8s(), onePod(ns, "job-name", "batch"), false, 137, "OOMKilled");
    // StatefulSet: its pod restarted after an OOM kill
    Kubelet.terminate(k8s(), onePod(ns, "app", "db"), true, 137, "OOMKilled");
    // bare Pod: SIGKILLed while being deleted
    Pod tool = k8s().pods().inNamespace(ns).withName("tool").get();
    deleteHeld(tool);
    Kubelet.terminate(k8s(), tool, false, 137, "Error");

    JsonNode report = audit("-n", ns).json();
    assertThat(rules(workload(report, "Deployment", "web")))
        .contains("shutdown-sigkilled")
        .doesNotContain("oom-killed");
    assertThat(
            finding(workload(report, "Deployment", "web"), "shutdown-sigkilled")
                .path("container")
                .asText())
        .isEqualTo("app");
    assertThat(rules(workload(report, "CronJob", "nightly")))
        .contains("shutdown-sigkilled")
        .doesNotContain("oom-killed");
    // an OOM kill is not a shutdown SIGKILL, even with exit code 137
    assertThat(rules(workload(report, "Job", "batch")))
        .contains("oom-killed")
        .doesNotContain("shutdown-sigkilled");
    assertThat(rules(workload(report, "StatefulSet", "db")))
        .contains("oom-killed")
        .doesNotContain("shutdown-sigkilled");
    assertThat(rules(workload(report, "Pod", "tool"))).contains("shutdown-sigkilled");
    assertThat(rules(workload(report, "DaemonSet", "agent")))
        .doesNotContain("oom-killed", "shutdown-sigkilled");
    // the Pods themselves are still not reported
    assertThat(workloads(report)).noneMatch(w -> w.startsWith("Pod/") && !w.equals("Pod/tool"));
  }

  /** A kubeconfig for a ServiceAccount's token (TokenRequest), trusting the cluster's CA. */
  Path tokenKubeconfig(String ns, String serviceAccount) throws Exception {
    k8s()
        .serviceAccounts()
        .inNamespace(ns)
        .resource(
            new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                .withNewMetadata()
                .withName(serviceAccount)
                .endMetadata()
                .build())
        .create();
    String token =
        await()
            .atMost(TIMEOUT)
            .ignoreExceptions()
            .until(
                () ->
                    k8s()
                        .serviceAccounts()
                        .inNamespace(ns)
                        .withName(serviceAccount)
                        .tokenRequest(
                            new TokenRequestBuilder()
                                .withNewSpec()
                                .withExpirationSeconds(3600L)
                                .endSpec()
                                .build())
                        .getStatus()
                        .getToken(),
                t -> t != null && !t.isEmpty());
    var admin = k8s().getConfiguration();
    Path file = tmp.resolve(serviceAccount + ".kubeconfig");
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: it, cluster: {server: "%s", certificate-authority-data: "%s"}}]
        users: [{name: %s, user: {token: "%s"}}]
        contexts: [{name: it, context: {cluster: it, user: %s, namespace: %s}}]
        current-context: it
        """
            .formatted(
                admin.getMasterUrl(),
                admin.getCaCertData(),
                serviceAccount,
                token,
                serviceAccount,
                ns));
    return file;
  }

  static final List<String> EVERYTHING =
      List.of(
          "deployments",
          "statefulsets",
          "daemonsets",
          "replicasets",
          "jobs",
          "cronjobs",
          "pods",
          "services",
          "configmaps");

  /** Lets the ServiceAccount list {@code resources} in {@code ns} (a Role and its binding). */
  static void allowList(String ns, String saNamespace, String sa, List<String> resources) {
    k8s()
        .rbac()
        .roles()
        .inNamespace(ns)
        .resource(
            new RoleBuilder()
                .withNewMetadata()
                .withName("pyhygiene-audit")
                .endMetadata()
                .withRules(
                    new PolicyRuleBuilder()
                        .withApiGroups("", "apps", "batch")
                        .withResources(resources)
                        .withVerbs("list")
                        .build())
                .build())
        .create();
    k8s()
        .rbac()
        .roleBindings()
        .inNamespace(ns)
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName("pyhygiene-audit")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", "pyhygiene-audit")
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(sa)
                .withNamespace(saNamespace)
                .endSubject()
                .build())
        .create();
  }

  @Test
  void aUserAllowedSomeNamespacesGetsThoseAndIsToldWhichItCouldNotRead() throws Exception {
    String a = cluster.createNamespace();
    String b = cluster.createNamespace();
    String c = cluster.createNamespace();
    for (String ns : List.of(a, b, c)) {
      apply(ns, EVERY_KIND);
    }
    allowList(a, a, "auditor", EVERYTHING);
    // in b, no Pods and no ConfigMaps
    allowList(
        b,
        a,
        "auditor",
        EVERYTHING.stream().filter(r -> !r.equals("pods") && !r.equals("configmaps")).toList());
    Path kubeconfig = tokenKubeconfig(a, "auditor");

    // the context's namespace by default
    Result own = audit(kubeconfig, false);
    assertThat(own.code()).isEqualTo(1);
    assertThat(own.err()).isEmpty();
    assertThat(workloads(own.json())).contains("Deployment/web", "Pod/tool");
    assertThat(own.json().path("workloads").get(0).path("namespace").asText()).isEqualTo(a);

    // named namespaces: c cannot be read, and says so
    Result named = audit(kubeconfig, false, "-n", a + "," + b + "," + c);
    assertThat(named.code()).isEqualTo(2);
    JsonNode report = named.json();
    Set<String> namespaces = new TreeSet<>();
    report.path("workloads").forEach(w -> namespaces.add(w.path("namespace").asText()));
    assertThat(namespaces).containsExactlyInAnyOrder(a, b);
    // b without Pods: no bare Pod, ConfigMaps unread so the script is not seen
    assertThat(workload(report, "Deployment", "web").path("namespace").asText()).isIn(a, b);
    List<JsonNode> errors = new ArrayList<>();
    report.path("errors").forEach(errors::add);
    assertThat(errors)
        .extracting(
            e ->
                e.path("namespace").asText()
                    + " "
                    + e.path("status").asInt()
                    + " "
                    + e.path("resources"))
        .containsExactlyInAnyOrder(
            b + " 403 [\"pods\",\"configmaps\"]",
            c
                + " 403 "
                + JSON.writeValueAsString(
                    List.of(
                        "deployments",
                        "statefulsets",
                        "daemonsets",
                        "cronjobs",
                        "jobs",
                        "replicasets",
                        "pods",
                        "services",
                        "configmaps")));
    assertThat(named.err())
        .contains(
            "pyhygiene: not read: namespace "
                + b
                + ": cannot list pods, configmaps (403"
                + " Forbidden): bare Pods not audited and no runtime evidence; scripts mounted from"
                + " ConfigMaps not read")
        .contains("namespace " + c + ": cannot list deployments, statefulsets");

    // -A without leave to list namespaces: nothing can be found, and the user is told to use -n
    Result everywhere = audit(kubeconfig, false, "-A");
    assertThat(everywhere.code()).isEqualTo(2);
    assertThat(everywhere.json().path("workloads")).isEmpty();
    assertThat(everywhere.err())
        .contains("all namespaces: cannot list deployments")
        .contains(
            "nor the namespaces to list them one by one (403 Forbidden); name namespaces with -n");

    // with leave to list namespaces, -A goes namespace by namespace
    var role =
        cluster.deleteAfterTest(
            k8s()
                .rbac()
                .clusterRoles()
                .resource(
                    new ClusterRoleBuilder()
                        .withNewMetadata()
                        .withName(a + "-namespaces")
                        .endMetadata()
                        .withRules(
                            new PolicyRuleBuilder()
                                .withApiGroups("")
                                .withResources("namespaces")
                                .withVerbs("list")
                                .build())
                        .build())
                .create());
    cluster.deleteAfterTest(
        k8s()
            .rbac()
            .clusterRoleBindings()
            .resource(
                new ClusterRoleBindingBuilder()
                    .withNewMetadata()
                    .withName(a + "-namespaces")
                    .endMetadata()
                    .withNewRoleRef(
                        "rbac.authorization.k8s.io", "ClusterRole", role.getMetadata().getName())
                    .addNewSubject()
                    .withKind("ServiceAccount")
                    .withName("auditor")
                    .withNamespace(a)
                    .endSubject()
                    .build())
            .create());
    Result fallback =
        await()
            .atMost(TIMEOUT)
            .until(
                () -> audit(kubeconfig, false, "-A"),
                x -> x.out().contains("\"namespace\" : \"" + a + "\""));
    assertThat(fallback.code()).isEqualTo(2);
    Set<String> seen = new TreeSet<>();
    fallback.json().path("workloads").forEach(w -> seen.add(w.path("namespace").asText()));
    assertThat(seen).containsExactlyInAnyOrder(a, b);
    // every other namespace is named (default, kube-system, c, ...), grouped on one line
    assertThat(fallback.err())
        .containsPattern("not read: namespaces [^\n]*" + c)
        .contains("default")
        .contains("kube-system");
  }

  /** The YAML block of the README that defines the ClusterRole {@code name}. */
  static String readmeClusterRole(String name) throws Exception {
    String readme = Files.readString(RealCluster.repoRoot().resolve("README.md"));
    for (String block : readme.split("```yaml\n")) {
      String yaml = block.substring(0, block.indexOf("```"));
      if (yaml.contains("kind: ClusterRole\n") && yaml.contains("\n  name: " + name + "\n")) {
        return yaml;
      }
    }
    throw new AssertionError("README.md has no ClusterRole " + name);
  }

  /** Creates the README's ClusterRole under a unique name, deleted after the test. */
  static String createReadmeClusterRole(String name, String unique) throws Exception {
    var role =
        (io.fabric8.kubernetes.api.model.rbac.ClusterRole)
            k8s()
                .load(
                    new ByteArrayInputStream(
                        readmeClusterRole(name).getBytes(StandardCharsets.UTF_8)))
                .items()
                .get(0);
    role.getMetadata().setName(unique);
    cluster.deleteAfterTest(k8s().resource(role).create());
    return unique;
  }

  static void bindClusterWide(String clusterRole, String saNamespace, String sa) {
    cluster.deleteAfterTest(
        k8s()
            .rbac()
            .clusterRoleBindings()
            .resource(
                new ClusterRoleBindingBuilder()
                    .withNewMetadata()
                    .withName(clusterRole)
                    .endMetadata()
                    .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", clusterRole)
                    .addNewSubject()
                    .withKind("ServiceAccount")
                    .withName(sa)
                    .withNamespace(saNamespace)
                    .endSubject()
                    .build())
            .create());
  }

  @Test
  void theReadmeClusterRolesAreEnough() throws Exception {
    String a = cluster.createNamespace();
    String b = cluster.createNamespace();
    apply(a, EVERY_KIND);
    apply(b, EVERY_KIND);

    // bound cluster-wide: -A reads everything
    String audit = createReadmeClusterRole("pyhygiene-audit", a + "-audit");
    bindClusterWide(audit, a, "everywhere");
    Path everywhere = tokenKubeconfig(a, "everywhere");
    Result all =
        await()
            .atMost(TIMEOUT)
            .until(() -> audit(everywhere, false, "-A", "-l", "tier=web"), x -> x.code() != 2);
    assertThat(all.err()).isEmpty();
    assertThat(all.json().path("errors")).isEmpty();
    Set<String> seen = new TreeSet<>();
    all.json().path("workloads").forEach(w -> seen.add(w.path("namespace").asText()));
    assertThat(seen).contains(a, b);
    // the ConfigMap's script and the Service were read: the same verdicts as the admin's
    assertThat(audit(everywhere, false, "-n", a).out()).isEqualTo(audit("-n", a).out());

    // bound in one namespace, plus the namespaces role cluster-wide: -A reads that one and
    // names the others
    k8s()
        .rbac()
        .roleBindings()
        .inNamespace(b)
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName("pyhygiene-audit")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", audit)
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName("one")
                .withNamespace(a)
                .endSubject()
                .build())
        .create();
    bindClusterWide(createReadmeClusterRole("pyhygiene-audit-namespaces", a + "-ns"), a, "one");
    Path one = tokenKubeconfig(a, "one");
    Result partial =
        await()
            .atMost(TIMEOUT)
            .until(
                () -> audit(one, false, "-A"),
                x -> x.out().contains("\"namespace\" : \"" + b + "\""));
    assertThat(partial.code()).isEqualTo(2);
    Set<String> readable = new TreeSet<>();
    partial.json().path("workloads").forEach(w -> readable.add(w.path("namespace").asText()));
    assertThat(readable).containsExactly(b);
    assertThat(partial.err())
        .containsPattern(
            "not read: namespaces [^\n]*"
                + a
                + "[^\n]*: cannot"
                + " list deployments, statefulsets, daemonsets, cronjobs, jobs, replicasets, pods, services,"
                + " configmaps \\(403 Forbidden\\)");
  }
}
