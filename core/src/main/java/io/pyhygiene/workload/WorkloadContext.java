package io.pyhygiene.workload;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * What the engine may know about a workload besides its own manifest, all handed in by the edge
 * that audits it: the Services that may route to it (the input's, or the cluster's), the ConfigMaps
 * its scripts may be mounted from, its images' configs, and what the operator observed.
 */
public final class WorkloadContext {

  public static final WorkloadContext NONE =
      new WorkloadContext(Optional.empty(), List.of(), Map.of(), Observations.NONE);

  private final Optional<List<Service>> services;
  private final List<ConfigMap> configMaps;
  private final Map<String, ImageFacts> images;
  private final Observations observations;
  // By namespace, in input order: a view reads only its namespace's, and an input of thousands of
  // workloads and Services would otherwise filter every Service for every workload.
  private final Map<String, List<Service>> servicesByNamespace;
  private final Map<String, List<ConfigMap>> configMapsByNamespace;

  /**
   * @param services the Services visible (any namespace), or empty when none are (the CLI given no
   *     Service): then declaring a port counts as serving, and findings say so
   * @param configMaps the ConfigMaps visible (scripts mounted from them are read)
   * @param images what is known of each image, by the image reference as written
   * @param observations runtime evidence (operator only)
   */
  public WorkloadContext(
      Optional<List<Service>> services,
      List<ConfigMap> configMaps,
      Map<String, ImageFacts> images,
      Observations observations) {
    this.services = services.map(List::copyOf);
    this.configMaps = List.copyOf(configMaps);
    this.images = Map.copyOf(images);
    this.observations = observations;
    this.servicesByNamespace = byNamespace(this.services.orElse(List.of()), Service::getMetadata);
    this.configMapsByNamespace = byNamespace(this.configMaps, ConfigMap::getMetadata);
  }

  public Optional<List<Service>> services() {
    return services;
  }

  public List<ConfigMap> configMaps() {
    return configMaps;
  }

  public Map<String, ImageFacts> images() {
    return images;
  }

  public Observations observations() {
    return observations;
  }

  /**
   * The Services that may route to a workload of {@code namespace}, in input order: those of the
   * namespace and those that name none (an input may leave namespaces to {@code kubectl -n}); all
   * of them for a workload that names none.
   */
  public List<Service> servicesIn(String namespace) {
    return in(namespace, services.orElse(List.of()), servicesByNamespace);
  }

  /** The ConfigMaps a workload of {@code namespace} may mount, chosen as {@link #servicesIn}. */
  public List<ConfigMap> configMapsIn(String namespace) {
    return in(namespace, configMaps, configMapsByNamespace);
  }

  private static <T> List<T> in(String namespace, List<T> all, Map<String, List<T>> index) {
    if (namespace == null || namespace.isEmpty()) {
      return all;
    }
    List<List<T>> groups = Namespaces.visibleGroups(namespace, index);
    if (groups.size() < 2) {
      return groups.isEmpty() ? List.of() : groups.get(0);
    }
    // Both its own and unnamed ones: keep the input's order (the first Service that routes to a
    // container names it).
    Set<T> wanted = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    groups.forEach(wanted::addAll);
    return all.stream().filter(wanted::contains).toList();
  }

  private static <T> Map<String, List<T>> byNamespace(
      List<T> objects, Function<T, ObjectMeta> meta) {
    Map<String, List<T>> out = new HashMap<>();
    for (T o : objects) {
      out.computeIfAbsent(Namespaces.of(meta.apply(o)), k -> new ArrayList<>()).add(o);
    }
    return out;
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
