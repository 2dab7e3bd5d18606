package io.pyhygiene.operator.writer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.json.Json;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.ssa.ApplyMerge;
import io.pyhygiene.ssa.ManagedFields;
import io.pyhygiene.workload.WorkloadKind;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes pyhygiene's verdict label and annotations onto a workload of any audited kind by
 * server-side apply under the field manager {@value #FIELD_MANAGER}, only when they differ from
 * what is there, and records an Event when the verdict changes.
 *
 * <p>Server-side apply treats each apply as the manager's whole intent: fields the manager owned
 * and leaves out are removed. So every apply carries, besides the metadata, the pod-template fields
 * pyhygiene owns from earlier remediations (read from its managedFields entry); a metadata update
 * never reverts a fix.
 */
public final class WorkloadWriter {

  public static final String FIELD_MANAGER = "pyhygiene";
  private static final Logger LOG = LoggerFactory.getLogger(WorkloadWriter.class);

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;
  private final OwnWrites ownWrites = new OwnWrites();

  public WorkloadWriter(KubernetesClient client, Clock clock, String instance) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
  }

  /** Brings the workload's pyhygiene metadata in line; returns whether it wrote. */
  public boolean sync(HasMetadata d, CombinedAudit audit, WorkloadMetadata metadata) {
    Map<String, String> labels = d.getMetadata().getLabels();
    Map<String, String> annotations = d.getMetadata().getAnnotations();
    long generation = generation(d);
    WorkloadMetadata desired = metadata.withGeneration(generation);
    boolean labelsOk = desired.labelsPresentOn(labels);
    boolean annotationsOk = desired.annotationsPresentOn(annotations);
    if (labelsOk && annotationsOk) {
      return false;
    }
    // The API server bumps a Deployment's generation when its annotations change (they are
    // copied to ReplicaSets), so an annotation write states the generation it will produce.
    // Other kinds bump it on spec changes only.
    boolean bumps = !annotationsOk && WorkloadId.kindOf(d) == WorkloadKind.DEPLOYMENT;
    apply(
        d,
        metadataApply(d, bumps ? metadata.withGeneration(generation + 1) : desired),
        false,
        true);
    String before = labels == null ? null : labels.get(WorkloadMetadata.VERDICT_LABEL);
    String after = desired.labels().get(WorkloadMetadata.VERDICT_LABEL);
    if (after != null
        && !Objects.equals(before, after)
        && !(before == null && "pass".equals(after))) {
      event(
          d,
          "fail".equals(after) || "warn".equals(after) ? "Warning" : "Normal",
          "VerdictChanged",
          "pyhygiene verdict "
              + after
              + (before == null ? "" : " (was " + before + ")")
              + rulesSuffix(audit));
    }
    LOG.info("wrote pyhygiene metadata: verdict {}", after == null ? "none" : after);
    return true;
  }

  private static String rulesSuffix(CombinedAudit audit) {
    List<String> rules =
        audit.findings().stream()
            .map(f -> f.finding().rule())
            .distinct()
            .collect(Collectors.toList());
    return rules.isEmpty() ? "" : ": " + String.join(", ", rules);
  }

  /** The workload's generation (0 when unset: a Pod has none). */
  public static long generation(HasMetadata d) {
    Long g = d.getMetadata().getGeneration();
    return g == null ? 0 : g;
  }

  /**
   * The apply config carrying the desired metadata plus everything pyhygiene already owns outside
   * metadata.
   */
  public ObjectNode metadataApply(HasMetadata d, WorkloadMetadata desired) {
    ObjectNode owned = ManagedFields.appliedBy(Json.MAPPER.valueToTree(d), FIELD_MANAGER);
    owned.remove("metadata");
    ObjectNode apply = Json.MAPPER.createObjectNode();
    WorkloadKind kind = WorkloadId.kindOf(d);
    apply.put("apiVersion", kind.apiVersion());
    apply.put("kind", kind.kind());
    ObjectNode meta = apply.putObject("metadata");
    meta.put("name", d.getMetadata().getName());
    meta.put("namespace", d.getMetadata().getNamespace());
    ObjectNode l = meta.putObject("labels");
    desired.labels().forEach(l::put);
    ObjectNode a = meta.putObject("annotations");
    desired.annotations().forEach(a::put);
    return ApplyMerge.merge(owned, apply);
  }

  /** Server-side apply under {@value #FIELD_MANAGER}: one PATCH request, no read before it. */
  public void apply(HasMetadata d, ObjectNode config, boolean dryRun, boolean force) {
    GenericKubernetesResource item =
        Json.MAPPER.convertValue(config, GenericKubernetesResource.class);
    var op =
        client
            .genericKubernetesResources(context(WorkloadId.kindOf(d)))
            .inNamespace(d.getMetadata().getNamespace())
            .resource(item)
            .dryRun(dryRun)
            .fieldManager(FIELD_MANAGER);
    GenericKubernetesResource written = (force ? op.forceConflicts() : op).serverSideApply();
    if (!dryRun && written != null && written.getMetadata() != null) {
      ownWrites.wrote(key(d), written.getMetadata().getResourceVersion());
    }
  }

  /**
   * Whether this copy of the workload predates pyhygiene's own last write to it (the cache has not
   * caught up yet): acting on it would repeat that write. See {@link OwnWrites}.
   */
  public boolean predatesOwnWrite(HasMetadata d) {
    return ownWrites.predatesOwnWrite(key(d), d.getMetadata().getResourceVersion());
  }

  /** Drops what is remembered about a deleted workload ({@link WorkloadId#key()}). */
  public void forget(String key) {
    ownWrites.forget(key);
  }

  private static String key(HasMetadata d) {
    return WorkloadId.of(d).key();
  }

  /** The kind's resource, named explicitly (no discovery request). */
  static ResourceDefinitionContext context(WorkloadKind kind) {
    String version = kind.apiVersion().substring(kind.apiVersion().indexOf('/') + 1);
    return new ResourceDefinitionContext.Builder()
        .withGroup(WorkloadId.group(kind))
        .withVersion(version)
        .withKind(kind.kind())
        .withPlural(WorkloadId.plural(kind))
        .withNamespaced(true)
        .build();
  }

  /** A core/v1 Event on the workload; never fails the reconcile. */
  public void event(HasMetadata d, String type, String reason, String message) {
    String now = clock.instant().toString();
    try {
      client
          .v1()
          .events()
          .inNamespace(d.getMetadata().getNamespace())
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withName(
                      d.getMetadata().getName()
                          + "."
                          + UUID.randomUUID().toString().substring(0, 8))
                  .withNamespace(d.getMetadata().getNamespace())
                  .endMetadata()
                  .withInvolvedObject(
                      new ObjectReferenceBuilder()
                          .withApiVersion(WorkloadId.kindOf(d).apiVersion())
                          .withKind(WorkloadId.kindOf(d).kind())
                          .withName(d.getMetadata().getName())
                          .withNamespace(d.getMetadata().getNamespace())
                          .withUid(d.getMetadata().getUid())
                          .build())
                  .withType(type)
                  .withReason(reason)
                  .withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
                  .withNewSource()
                  .withComponent("pyhygiene")
                  .endSource()
                  .withReportingComponent("pyhygiene")
                  .withReportingInstance(instance)
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withCount(1)
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      LOG.warn(
          "could not record event {}: {}",
          reason,
          e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage());
    }
  }
}
