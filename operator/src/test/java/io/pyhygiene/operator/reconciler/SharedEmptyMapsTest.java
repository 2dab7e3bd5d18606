package io.pyhygiene.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.json.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedEmptyMapsTest {

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

    SharedEmptyMaps.in(d);

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
}
