package io.pyhygiene.ssa;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.InputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ManagedFieldsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper();

  private ObjectNode live;

  @BeforeEach
  void load() throws Exception {
    try (InputStream in = getClass().getResourceAsStream("/remediation/managed-deployment.json")) {
      live = (ObjectNode) JSON.readTree(in);
    }
  }

  private JsonNode fieldsOf(String manager, String operation) {
    for (JsonNode e : live.path("metadata").path("managedFields")) {
      if (e.path("manager").asText().equals(manager)
          && e.path("operation").asText().equals(operation)) {
        return e.get("fieldsV1");
      }
    }
    throw new AssertionError("no entry " + manager + "/" + operation);
  }

  static JsonNode yaml(String text) throws Exception {
    return YAML.readTree(text);
  }

  @Test
  void projectsWhatTheManagerOwnsWithLiveValues() throws Exception {
    ObjectNode projected = ManagedFields.project(live, fieldsOf("pyhygiene", "Apply"));
    assertThat(projected)
        .isEqualTo(
            yaml(
                """
        metadata:
          annotations:
            pyhygiene.io/findings: '[{"rule":"readiness-probe-missing","severity":"warning","container":"app"}]'
            pyhygiene.io/policy: default
          labels:
            pyhygiene.io/verdict: warn
        spec:
          template:
            spec:
              containers:
                - name: app
                  env:
                    - {name: PYTHONUNBUFFERED, value: "1"}
                  lifecycle: {preStop: {sleep: {seconds: 5}}}
                  securityContext:
                    allowPrivilegeEscalation: false
                    capabilities: {drop: [ALL]}
              securityContext: {seccompProfile: {type: RuntimeDefault}}
              terminationGracePeriodSeconds: 40
        """));
    // Keyed items start with their key.
    assertThat(projected.at("/spec/template/spec/containers/0").fieldNames().next())
        .isEqualTo("name");
  }

  @Test
  void keyedItemsByCompoundKeysSetItemsAndAtomicValues() throws Exception {
    ObjectNode projected = ManagedFields.project(live, fieldsOf("kubectl", "Apply"));
    assertThat(projected)
        .isEqualTo(
            yaml(
                """
        metadata:
          finalizers: [example.com/guard]
          labels: {app: shop-api}
        spec:
          replicas: 2
          selector: {matchLabels: {app: shop-api}}
          template:
            metadata: {labels: {app: shop-api}}
            spec:
              containers:
                - name: app
                  command: [gunicorn, --bind, "0.0.0.0:8000", "shop.wsgi:application"]
                  env:
                    - {name: DATABASE_URL, value: "postgres://shop@db:5432/shop"}
                  image: ghcr.io/acme/shop-api:1.4.2
                  ports:
                    - {containerPort: 8000, protocol: TCP, name: http}
                  resources: {requests: {cpu: 250m}}
        """));
  }

  @Test
  void appliedByMergesOnlyTheManagersApplyEntriesOfTheMainResource() throws Exception {
    ObjectNode owned = ManagedFields.appliedBy(live, "pyhygiene");
    assertThat(owned).isEqualTo(ManagedFields.project(live, fieldsOf("pyhygiene", "Apply")));
    assertThat(owned.at("/metadata/labels").has("app")).isFalse(); // owned by an Update
    assertThat(ManagedFields.fieldsV1(live, "kube-controller-manager")).isEmpty();
    assertThat(ManagedFields.appliedBy(live, "nobody")).isEmpty();
  }

  @Test
  void fieldsMissingFromTheLiveObjectAreLeftOut() throws Exception {
    JsonNode fields =
        yaml(
            """
        f:metadata: {f:labels: {f:gone: {}}}
        f:spec:
          f:template:
            f:spec:
              f:containers:
                k:{"name":"sidecar"}: {.: {}, f:name: {}, f:image: {}}
                k:{"name":"app"}: {.: {}, f:name: {}, f:readinessProbe: {f:periodSeconds: {}}}
        """);
    assertThat(ManagedFields.project(live, fields))
        .isEqualTo(
            yaml(
                """
        metadata: {labels: {}}
        spec: {template: {spec: {containers: [{name: app}]}}}
        """));
  }

  @Test
  void dotOwnsTheNodeItselfAndIndexItemsPickByPosition() throws Exception {
    ObjectNode obj =
        (ObjectNode)
            yaml(
                """
        spec:
          selector: {matchLabels: {app: a}}
          hosts: [{ip: 10.0.0.1, names: [a]}, {ip: 10.0.0.2, names: [b]}]
          weights: [1, 2.0, 3]
        """);
    JsonNode fields =
        yaml(
            """
        f:spec:
          f:selector: {.: {}}
          f:hosts: {i:1: {f:ip: {}}}
          f:weights: {v:2: {}, v:3: {}}
        """);
    assertThat(ManagedFields.project(obj, fields))
        .isEqualTo(
            yaml(
                """
        spec:
          selector: {}
          hosts: [{ip: 10.0.0.2}]
          weights: [2.0, 3]
        """));
  }

  @Test
  void inputsAreNotModifiedAndBadInputOwnsNothing() throws Exception {
    ObjectNode before = live.deepCopy();
    JsonNode fields = fieldsOf("pyhygiene", "Apply").deepCopy();
    ManagedFields.project(live, fields).with("metadata").put("name", "changed");
    assertThat(live).isEqualTo(before);
    assertThat(fieldsOf("pyhygiene", "Apply")).isEqualTo(fields);

    assertThat(ManagedFields.project(live, null)).isEmpty();
    assertThat(ManagedFields.project(null, fields)).isEmpty();
    assertThat(
            ManagedFields.project(
                live,
                yaml(
                    """
        f:spec: {f:template: {f:spec: {f:containers: {'k:{not json': {f:name: {}}}}}}
        """)))
        .isEqualTo(yaml("spec: {template: {spec: {containers: []}}}"));
  }

  @Test
  void reApplyingTheProjectionChangesNothing() throws Exception {
    // What the operator does: re-send everything it owns, plus the new intent.
    ObjectNode owned = ManagedFields.appliedBy(live, "pyhygiene");
    ObjectNode merged = ApplyMerge.merge(live, owned);
    assertThat(merged).isEqualTo(live);
    assertThat(merged.at("/spec/template/spec/containers/0/env").size()).isEqualTo(2);
  }
}
