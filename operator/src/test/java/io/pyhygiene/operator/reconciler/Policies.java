package io.pyhygiene.operator.reconciler;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicySpec;
import io.pyhygiene.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** Small cluster objects for the reconciler's unit tests. */
final class Policies {

  private Policies() {}

  /** A policy as the informer holds it: name, uid, generation and a spec in YAML. */
  static PythonHygienePolicy policy(String name, long generation, String specYaml) {
    PythonHygienePolicy p = new PythonHygienePolicy();
    p.getMetadata().setName(name);
    p.getMetadata().setUid("uid-" + name);
    p.getMetadata().setGeneration(generation);
    try {
      p.setSpec(Json.YAML.readValue(specYaml, PythonHygienePolicySpec.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  static Deployment deployment(String namespace, String name, Map<String, String> labels) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .withLabels(labels)
        .endMetadata()
        .build();
  }
}
