package io.pyhygiene.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.engine.WorkloadAudit;
import io.pyhygiene.rules.RuleCatalog;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link ContextDependence} against the view it mirrors: a Service or ConfigMap it calls irrelevant
 * to a workload leaves the workload's audit unchanged. Namespaces, labels, selectors, ports and
 * volume names come from small sets, so that Services select and miss, ports match and do not, and
 * ConfigMaps share names across namespaces.
 */
class ContextDependenceTest {

  private final Auditor auditor =
      new Auditor(
          RuleCatalog.all(), Clock.fixed(Instant.parse("2026-11-25T00:00:00Z"), ZoneOffset.UTC));

  private static final List<String> NAMESPACES = List.of("", "a", "b");

  @Property(tries = 1500)
  void whatItCallsIrrelevantLeavesTheAuditUnchanged(
      @ForAll("deployments") Deployment d,
      @ForAll("services") List<Service> before,
      @ForAll("services") List<Service> later,
      @ForAll("configMaps") List<ConfigMap> mapsBefore,
      @ForAll("configMaps") List<ConfigMap> mapsLater) {
    ContextDependence dep = ContextDependence.of(d);
    WorkloadContext early =
        new WorkloadContext(
            before.isEmpty() ? Optional.empty() : Optional.of(before),
            mapsBefore,
            Map.of(),
            Observations.NONE);
    List<Service> allServices = new ArrayList<>(before);
    allServices.addAll(later);
    List<ConfigMap> allMaps = new ArrayList<>(mapsBefore);
    allMaps.addAll(mapsLater);
    WorkloadContext whole =
        new WorkloadContext(
            allServices.isEmpty() ? Optional.empty() : Optional.of(allServices),
            allMaps,
            Map.of(),
            Observations.NONE);
    boolean stale =
        (before.isEmpty() && !later.isEmpty() && dep.affectedBySeeingServices())
            || later.stream().anyMatch(dep::affectedBy)
            || mapsLater.stream().anyMatch(dep::affectedBy);
    if (!stale) {
      assertThat(audit(d, early)).isEqualTo(audit(d, whole));
    }
  }

  @Test
  void aServiceSelectingAServedPodChangesItsAudit() {
    Deployment d = deployment("a", Map.of("app", "web"), true, null).build(); // declares port 8000
    Service s = service("a", Map.of("app", "web"), 8000);
    ContextDependence dep = ContextDependence.of(d);
    assertThat(dep.affectedBy(s)).isTrue();
    assertThat(dep.affectedBy(service("b", Map.of("app", "web"), 8000))).isFalse();
    assertThat(dep.affectedBy(service("a", Map.of("app", "other"), 8000))).isFalse();
    assertThat(dep.affectedBySeeingServices()).isTrue();
    // and the view does change: served (a Service) rather than assumed from its port
    assertThat(
            audit(
                d,
                new WorkloadContext(
                    Optional.of(List.of(s)), List.of(), Map.of(), Observations.NONE)))
        .isNotEqualTo(audit(d, WorkloadContext.NONE));
  }

  @Test
  void aPodWithoutPortsOrConfigMapVolumesDependsOnNothing() {
    ContextDependence dep =
        ContextDependence.of(deployment("a", Map.of("app", "web"), false, null).build());
    assertThat(dep.independent()).isTrue();
    assertThat(dep.affectedBy(service("a", Map.of("app", "web"), 8000))).isFalse();
  }

  @Test
  void aConfigMapMattersOnlyWhenAVolumeOfItsNamespaceNamesIt() {
    ContextDependence dep =
        ContextDependence.of(deployment("a", Map.of("app", "web"), false, "scripts").build());
    assertThat(dep.affectedBy(configMap("a", "scripts"))).isTrue();
    assertThat(dep.affectedBy(configMap("", "scripts"))).isTrue();
    assertThat(dep.affectedBy(configMap("b", "scripts"))).isFalse();
    assertThat(dep.affectedBy(configMap("a", "other"))).isFalse();
  }

  private WorkloadAudit audit(Deployment d, WorkloadContext context) {
    return auditor.audit(WorkloadView.of(d, context).orElseThrow(), AuditPolicy.defaults());
  }

  @Provide
  Arbitrary<Deployment> deployments() {
    return Combinators.combine(
            Arbitraries.of(NAMESPACES),
            labels(),
            Arbitraries.of(true, false),
            Arbitraries.of("scripts", "other").injectNull(0.5))
        .as((ns, labels, ports, volume) -> deployment(ns, labels, ports, volume).build());
  }

  @Provide
  Arbitrary<List<Service>> services() {
    return Combinators.combine(Arbitraries.of(NAMESPACES), labels(), Arbitraries.of(8000, 9000, 80))
        .as(ContextDependenceTest::service)
        .list()
        .ofMaxSize(3);
  }

  @Provide
  Arbitrary<List<ConfigMap>> configMaps() {
    return Combinators.combine(Arbitraries.of(NAMESPACES), Arbitraries.of("scripts", "other"))
        .as(ContextDependenceTest::configMap)
        .list()
        .ofMaxSize(2);
  }

  private static Arbitrary<Map<String, String>> labels() {
    return Arbitraries.maps(Arbitraries.of("app", "tier"), Arbitraries.of("web", "worker"))
        .ofMaxSize(2);
  }

  private static DeploymentBuilder deployment(
      String ns, Map<String, String> labels, boolean ports, String configMapVolume) {
    ContainerBuilder c =
        new ContainerBuilder()
            .withName("web")
            .withImage("python:3.12-slim")
            .withCommand("sh", "-c", "exec /scripts/start.sh");
    if (ports) {
      c.withPorts(new ContainerPortBuilder().withContainerPort(8000).withName("http").build());
    }
    if (configMapVolume != null) {
      c.addNewVolumeMount().withName("s").withMountPath("/scripts").endVolumeMount();
    }
    DeploymentBuilder b =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("d")
            .withNamespace(ns.isEmpty() ? null : ns)
            .endMetadata()
            .withNewSpec()
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withContainers(c.build())
            .endSpec()
            .endTemplate()
            .endSpec();
    if (configMapVolume != null) {
      b.editSpec()
          .editTemplate()
          .editSpec()
          .addNewVolume()
          .withName("s")
          .withNewConfigMap()
          .withName(configMapVolume)
          .endConfigMap()
          .endVolume()
          .endSpec()
          .endTemplate()
          .endSpec();
    }
    return b;
  }

  private static Service service(String ns, Map<String, String> selector, int port) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName("s" + port)
        .withNamespace(ns.isEmpty() ? null : ns)
        .endMetadata()
        .withNewSpec()
        .withSelector(selector)
        .addNewPort()
        .withPort(80)
        .withTargetPort(new IntOrString(port))
        .endPort()
        .endSpec()
        .build();
  }

  private static ConfigMap configMap(String ns, String name) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns.isEmpty() ? null : ns)
        .endMetadata()
        .withData(Map.of("start.sh", "#!/bin/sh\ngunicorn app:app\n"))
        .build();
  }
}
