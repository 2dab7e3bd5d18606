package io.pyhygiene.ssa;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApplyMergeTest {

  private static final YAMLMapper YAML = new YAMLMapper();

  static ObjectNode yaml(String text) throws Exception {
    return (ObjectNode) YAML.readTree(text);
  }

  private static final String BASE =
      """
      metadata: {name: api, labels: {app: api}}
      spec:
        template:
          spec:
            terminationGracePeriodSeconds: 30
            containers:
              - name: app
                command: [sh, -c, 'cd /app && gunicorn app:app']
                env:
                  - {name: A, value: "1"}
                  - {name: B, valueFrom: {secretKeyRef: {name: s, key: b}}}
                ports:
                  - {containerPort: 8000, protocol: TCP, name: http}
                  - {containerPort: 8000, protocol: UDP, name: quic}
                volumeMounts:
                  - {name: tmp, mountPath: /tmp}
                securityContext:
                  capabilities: {drop: [NET_RAW], add: [NET_BIND_SERVICE]}
              - name: sidecar
                image: log:1
            volumes:
              - {name: tmp, emptyDir: {}}
      """;

  @Test
  void listMapsMergeByKeyAtomicListsAndScalarsAreReplaced() throws Exception {
    ObjectNode merged =
        ApplyMerge.merge(
            yaml(BASE),
            yaml(
                """
        metadata: {labels: {pyhygiene.io/verdict: fail}}
        spec:
          template:
            spec:
              terminationGracePeriodSeconds: 40
              containers:
                - name: app
                  command: [sh, -c, 'cd /app && exec gunicorn app:app']
                  env:
                    - {name: PYTHONUNBUFFERED, value: "1"}
                    - {name: A, value: "2"}
                  ports:
                    - {containerPort: 8000, name: web}
                  volumeMounts:
                    - {mountPath: /tmp, readOnly: true}
                  securityContext:
                    capabilities: {drop: [ALL]}
                - name: init-helper
                  image: helper:1
              volumes:
                - {name: cache, emptyDir: {}}
        """));
    assertThat(merged)
        .isEqualTo(
            yaml(
                """
        metadata: {name: api, labels: {app: api, pyhygiene.io/verdict: fail}}
        spec:
          template:
            spec:
              terminationGracePeriodSeconds: 40
              containers:
                - name: app
                  command: [sh, -c, 'cd /app && exec gunicorn app:app']
                  env:
                    - {name: A, value: "2"}
                    - {name: B, valueFrom: {secretKeyRef: {name: s, key: b}}}
                    - {name: PYTHONUNBUFFERED, value: "1"}
                  ports:
                    - {containerPort: 8000, protocol: TCP, name: web}
                    - {containerPort: 8000, protocol: UDP, name: quic}
                  volumeMounts:
                    - {name: tmp, mountPath: /tmp, readOnly: true}
                  securityContext:
                    capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
                - name: sidecar
                  image: log:1
                - name: init-helper
                  image: helper:1
              volumes:
                - {name: tmp, emptyDir: {}}
                - {name: cache, emptyDir: {}}
        """));
  }

  @Test
  void listsWhoseItemsLackTheirKeyAreAtomic() throws Exception {
    // A Service's ports have no containerPort: the list is replaced, not merged.
    ObjectNode merged =
        ApplyMerge.merge(
            yaml("spec: {ports: [{port: 80}, {port: 443}]}"),
            yaml("spec: {ports: [{port: 8080}]}"));
    assertThat(merged).isEqualTo(yaml("spec: {ports: [{port: 8080}]}"));
    assertThat(ApplyMerge.merge(yaml("a: {containers: [x, y]}"), yaml("a: {containers: [z]}")))
        .isEqualTo(yaml("a: {containers: [z]}"));
  }

  @Test
  void typeChangesTakeTheOverlay() throws Exception {
    assertThat(ApplyMerge.merge(yaml("a: {b: 1}"), yaml("a: [1]"))).isEqualTo(yaml("a: [1]"));
    assertThat(ApplyMerge.merge(yaml("a: [1]"), yaml("a: {b: 1}"))).isEqualTo(yaml("a: {b: 1}"));
    assertThat(ApplyMerge.merge(yaml("a: 1"), yaml("a: null"))).isEqualTo(yaml("a: null"));
  }

  @Test
  void inputsAreNotModified() throws Exception {
    ObjectNode base = yaml(BASE);
    ObjectNode overlay =
        yaml(
            """
        spec: {template: {spec: {containers: [{name: app, env: [{name: A, value: "9"}]}]}}}
        """);
    ObjectNode baseCopy = base.deepCopy();
    ObjectNode overlayCopy = overlay.deepCopy();
    ObjectNode merged = ApplyMerge.merge(base, overlay);
    ((ObjectNode) merged.at("/spec/template/spec/containers/0")).put("image", "x");
    ((ObjectNode) merged.at("/spec/template/spec/containers/0/env/0")).put("value", "mutated");
    assertThat(base).isEqualTo(baseCopy);
    assertThat(overlay).isEqualTo(overlayCopy);
    assertThat(ApplyMerge.merge(null, overlay)).isEqualTo(overlay);
    assertThat(ApplyMerge.merge(base, null)).isEqualTo(base);
  }

  @Test
  void deterministicOrderBaseItemsFirstThenNewOnes() throws Exception {
    ObjectNode a =
        ApplyMerge.merge(
            yaml(BASE),
            yaml(
                """
        spec: {template: {spec: {containers: [{name: z}, {name: sidecar, image: log:2}]}}}
        """));
    JsonNode names = a.at("/spec/template/spec/containers");
    assertThat(
            List.of(
                names.get(0).get("name").asText(),
                names.get(1).get("name").asText(),
                names.get(2).get("name").asText()))
        .containsExactly("app", "sidecar", "z");
    assertThat(a.toString())
        .isEqualTo(
            ApplyMerge.merge(
                    yaml(BASE),
                    yaml(
                        """
        spec: {template: {spec: {containers: [{name: z}, {name: sidecar, image: log:2}]}}}
        """))
                .toString());
  }

  @Test
  void listMapKeys() {
    assertThat(ApplyMerge.listMapKeys("containers")).contains(List.of("name"));
    assertThat(ApplyMerge.listMapKeys("ports")).contains(List.of("containerPort", "protocol"));
    assertThat(ApplyMerge.listMapKeys("command")).isEmpty();
  }
}
