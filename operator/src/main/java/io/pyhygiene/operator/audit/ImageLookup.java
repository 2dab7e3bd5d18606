package io.pyhygiene.operator.audit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.workload.ImageFacts;
import java.util.Map;

/**
 * What is known of a workload's images for one policy's {@code images} settings, by the image
 * reference as written. The reconciler's lookup may start resolutions in the background; the
 * admission webhook's answers from memory only. Never blocks on a registry.
 */
@FunctionalInterface
public interface ImageLookup {

  /** Facts by reference; empty when {@code images.resolve} is off. */
  Map<String, ImageFacts> facts(HasMetadata workload, AuditPolicy.Images images);

  /** Image resolution off: the manifest only. */
  ImageLookup NONE = (workload, images) -> Map.of();
}
