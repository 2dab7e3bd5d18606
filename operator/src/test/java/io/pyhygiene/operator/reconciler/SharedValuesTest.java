package io.pyhygiene.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.pyhygiene.json.Json;
import io.pyhygiene.operator.memory.Collected;
import io.pyhygiene.operator.memory.StringPool;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedValuesTest {

  private static final String DEPLOYMENT =
      """
      {"apiVersion":"apps/v1","kind":"Deployment",
       "metadata":{"name":"web","namespace":"shop","labels":{},"annotations":{"a":"1"},
        "managedFields":[{"manager":"pyhygiene","operation":"Apply","fieldsType":"FieldsV1",
          "fieldsV1":{"f:metadata":{"f:labels":{"f:pyhygiene.io/verdict":{}}}}}]},
       "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},
        "template":{"metadata":{"labels":{"app":"web"}},
         "spec":{"containers":[{"name":"app","image":"python:3.12","unknownField":{"x":1},
           "resources":{"limits":{"memory":"512Mi"}}}]}}}}
      """;

  @Test
  void emptyExtensionMapsAreSharedAndTheObjectReadsTheSame() throws Exception {
    Deployment d = Json.MAPPER.readValue(DEPLOYMENT, Deployment.class);
    String before = Json.MAPPER.writeValueAsString(d);
    Deployment copy = Json.MAPPER.readValue(DEPLOYMENT, Deployment.class);

    SharedValues.in(d, new StringPool());

    assertThat(Json.MAPPER.writeValueAsString(d)).isEqualTo(before);
    assertThat(d).isEqualTo(copy);
    Map<String, Object> shared = d.getAdditionalProperties();
    assertThat(shared).isEmpty();
    assertThat(d.getSpec().getAdditionalProperties()).isSameAs(shared);
    assertThat(d.getSpec().getTemplate().getSpec().getAdditionalProperties()).isSameAs(shared);
    assertThat(d.getMetadata().getManagedFields().get(0).getAdditionalProperties())
        .isSameAs(shared);
    // a field the model does not know is kept
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getAdditionalProperties())
        .containsEntry("unknownField", Map.of("x", 1));
    // the field set's empty leaf is shared too
    @SuppressWarnings("unchecked")
    Map<String, Object> labels =
        (Map<String, Object>)
            ((Map<String, Object>)
                    d.getMetadata()
                        .getManagedFields()
                        .get(0)
                        .getFieldsV1()
                        .getAdditionalProperties()
                        .get("f:metadata"))
                .get("f:labels");
    assertThat(labels.get("f:pyhygiene.io/verdict")).isSameAs(Map.of());
    // labels and annotations are not extension maps: left as they are (modifiable)
    d.getMetadata().getLabels().put("x", "y");
    assertThat(d.getMetadata().getLabels()).containsEntry("x", "y");
  }

  /** A Deployment as the API server serves it, parsed as the client parses a watch event. */
  private static final String SERVED =
      """
      {"apiVersion":"apps/v1","kind":"Deployment",
       "metadata":{"name":"%1$s","namespace":"shop","uid":"%2$s","resourceVersion":"%3$s",
        "creationTimestamp":"2026-12-03T10:00:00Z","labels":{"app":"%1$s"}},
       "spec":{"replicas":1,"selector":{"matchLabels":{"app":"%1$s"}},
        "strategy":{"type":"RollingUpdate",
         "rollingUpdate":{"maxSurge":"25%%","maxUnavailable":"25%%"}},
        "template":{"metadata":{"labels":{"app":"%1$s"}},
         "spec":{"containers":[{"name":"web","image":"registry.example/web:1.2",
           "command":["sh","-c","gunicorn app.wsgi"],"imagePullPolicy":"IfNotPresent",
           "env":[{"name":"DJANGO_DEBUG","value":"True"}],
           "resources":{"limits":{"memory":"512Mi"}}}]}}},
       "status":{"conditions":[{"type":"Available","status":"True",
         "reason":"MinimumReplicasAvailable"}]}}
      """;

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private static Deployment served(String name, String uid, String resourceVersion) {
    return SERIALIZATION.unmarshal(SERVED.formatted(name, uid, resourceVersion), Deployment.class);
  }

  /** A copy of {@code s} made at run time: equal to the literal, not the same instance. */
  private static String fresh(String s) {
    return new StringBuilder(s).toString();
  }

  @Test
  void equalStringsOfTwoCachedDeploymentsAreOneInstance() {
    PruningItemStore<Deployment> cache =
        new PruningItemStore<>(Pruning::workload, new StringPool());
    Deployment a = served("web-1", "4a1c", "918273");
    Deployment b = served("web-2", "7f3e", "918274");
    Deployment copyOfA = Pruning.workload(served("web-1", "4a1c", "918273"));
    // the premise: each parse makes its own copy of a value
    assertThat(a.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isNotSameAs(b.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
    String resourceVersion = a.getMetadata().getResourceVersion();
    String envValue =
        a.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().get(0).getValue();

    cache.put("shop/web-1", a);
    cache.put("shop/web-2", b);

    assertThat(a).isEqualTo(copyOfA);
    assertThat(a.getApiVersion()).isSameAs(b.getApiVersion());
    assertThat(a.getMetadata().getCreationTimestamp())
        .isSameAs(b.getMetadata().getCreationTimestamp());
    var ca = a.getSpec().getTemplate().getSpec().getContainers().get(0);
    var cb = b.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(ca.getImage()).isSameAs(cb.getImage());
    assertThat(ca.getImagePullPolicy()).isSameAs(cb.getImagePullPolicy());
    for (int i = 0; i < 3; i++) { // list elements
      assertThat(ca.getCommand().get(i)).isSameAs(cb.getCommand().get(i));
    }
    assertThat(ca.getResources().getLimits().get("memory").getAmount())
        .isSameAs(cb.getResources().getLimits().get("memory").getAmount());
    assertThat(a.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getStrVal())
        .isSameAs(b.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getStrVal());
    assertThat(a.getStatus().getConditions().get(0).getReason())
        .isSameAs(b.getStatus().getConditions().get(0).getReason());
    // map keys, and a name repeated as label values within one object
    String key = a.getMetadata().getLabels().keySet().iterator().next();
    assertThat(key).isSameAs(b.getMetadata().getLabels().keySet().iterator().next());
    String name = a.getMetadata().getName();
    assertThat(a.getMetadata().getLabels().get("app")).isSameAs(name);
    assertThat(a.getSpec().getSelector().getMatchLabels().get("app")).isSameAs(name);
    assertThat(a.getSpec().getTemplate().getMetadata().getLabels().get("app")).isSameAs(name);
    // not pooled: a resourceVersion (unique to each version) and an env value
    assertThat(a.getMetadata().getResourceVersion()).isSameAs(resourceVersion);
    assertThat(ca.getEnv().get(0).getValue())
        .isSameAs(envValue)
        .isNotSameAs(cb.getEnv().get(0).getValue());
  }

  @Test
  void keysParsedByJacksonArePooledAlready() {
    // why the walk rebuilds no map parsed from the API server: its keys are the pooled ones
    Deployment d = served("web-1", "4a1c", "918273");
    String key = d.getMetadata().getLabels().keySet().iterator().next();
    assertThat(key).isSameAs("app");
  }

  @Test
  void unmodifiableMapsAndListsAreLeftAsTheyAre() {
    Map<String, String> labels = Map.of(fresh("app"), fresh("web"));
    Map<String, String> annotations =
        Collections.unmodifiableMap(new LinkedHashMap<>(Map.of(fresh("note"), fresh("x"))));
    List<String> command = List.of(fresh("sh"));
    Deployment d =
        new DeploymentBuilder()
            .withMetadata(
                new ObjectMetaBuilder()
                    .withName(fresh("web"))
                    .withLabels(labels)
                    .withAnnotations(annotations)
                    .build())
            .withNewSpec()
            .withNewTemplate()
            .withNewSpec()
            .withContainers(new ContainerBuilder().withName("app").withCommand(command).build())
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    // the builder copies lists and maps it is given: set the unmodifiable ones back
    d.getMetadata().setLabels(labels);
    d.getMetadata().setAnnotations(annotations);
    d.getSpec().getTemplate().getSpec().getContainers().get(0).setCommand(command);
    String labelValue = labels.get("app");
    String annotationValue = annotations.get("note");
    String commandValue = command.get(0);

    SharedValues.in(d, new StringPool());

    assertThat(d.getMetadata().getLabels()).isSameAs(labels);
    assertThat(d.getMetadata().getLabels().get("app")).isSameAs(labelValue);
    assertThat(d.getMetadata().getAnnotations()).isSameAs(annotations);
    assertThat(d.getMetadata().getAnnotations().get("note")).isSameAs(annotationValue);
    var container = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getCommand()).isSameAs(command);
    assertThat(container.getCommand().get(0)).isSameAs(commandValue);
    // a model object's own string fields are pooled all the same
    assertThat(d.getMetadata().getName()).isSameAs("web");
  }

  @Test
  void keysOfAMapBuiltElsewhereArePooledInTheirOrder() {
    Map<String, String> labels = new LinkedHashMap<>();
    for (String k : List.of("b", "a", "c")) {
      labels.put(fresh(k), fresh(k + "-value"));
    }
    Deployment d =
        new DeploymentBuilder()
            .withMetadata(new ObjectMetaBuilder().withName("web").build())
            .build();
    d.getMetadata().setLabels(labels);

    SharedValues.in(d, new StringPool());

    assertThat(d.getMetadata().getLabels()).isSameAs(labels);
    List<String> keys = new ArrayList<>(labels.keySet());
    assertThat(keys).containsExactly("b", "a", "c");
    assertThat(keys.get(0)).isSameAs("b");
    assertThat(keys.get(1)).isSameAs("a");
    assertThat(labels.get("c")).isSameAs("c-value");
    labels.put("d", "still modifiable");
    assertThat(labels).hasSize(4);
  }

  @Test
  void aPooledStringIsCollectedOnceItsObjectIsGone() throws InterruptedException {
    WeakReference<String> name = cachedAndDropped(new StringPool());
    assertThat(Collected.within(name))
        .as("the pooled name of a dropped Deployment collected")
        .isTrue();
  }

  /** Caches a Deployment of a name nothing else holds, drops it; a weak reference to its name. */
  private static WeakReference<String> cachedAndDropped(StringPool strings) {
    PruningItemStore<Deployment> cache = new PruningItemStore<>(Pruning::workload, strings);
    String unique = "gone-" + System.nanoTime();
    cache.put("shop/" + unique, served(unique, "9d0e", "1"));
    Deployment cached = cache.get("shop/" + unique);
    assertThat(cached.getSpec().getSelector().getMatchLabels().get("app"))
        .isSameAs(cached.getMetadata().getName()); // pooled
    WeakReference<String> name = new WeakReference<>(cached.getMetadata().getName());
    cache.remove("shop/" + unique);
    return name;
  }
}
