package io.pyhygiene.workload;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Service;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the engine may know about a workload besides its own manifest, all handed in by the edge
 * that audits it: the Services that may route to it (the input's, or the cluster's), the ConfigMaps
 * its scripts may be mounted from, its images' configs, and what the operator observed.
 *
 * @param services the Services of the workload's namespace, or empty when none are visible (the CLI
 *     given no Service): then declaring a port counts as serving, and findings say so
 * @param configMaps ConfigMaps of the workload's namespace (scripts mounted from them are read)
 * @param images what is known of each image, by the image reference as written
 * @param observations runtime evidence (operator only)
 */
public record WorkloadContext(
    Optional<List<Service>> services,
    List<ConfigMap> configMaps,
    Map<String, ImageFacts> images,
    Observations observations) {

  public static final WorkloadContext NONE =
      new WorkloadContext(Optional.empty(), List.of(), Map.of(), Observations.NONE);

  public WorkloadContext {
    services = services.map(List::copyOf);
    configMaps = List.copyOf(configMaps);
    images = Map.copyOf(images);
  }

  public ImageFacts image(String reference) {
    return images.getOrDefault(reference == null ? "" : reference, ImageFacts.NOT_REQUESTED);
  }

  public WorkloadContext withServices(List<Service> visible) {
    return new WorkloadContext(Optional.of(visible), configMaps, images, observations);
  }

  public WorkloadContext withConfigMaps(List<ConfigMap> maps) {
    return new WorkloadContext(services, maps, images, observations);
  }

  public WorkloadContext withImages(Map<String, ImageFacts> facts) {
    return new WorkloadContext(services, configMaps, facts, observations);
  }

  public WorkloadContext withObservations(Observations observed) {
    return new WorkloadContext(services, configMaps, images, observed);
  }
}
