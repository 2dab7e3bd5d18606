package io.pyhygiene.operator.images;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pyhygiene.registry.CredentialSource;
import io.pyhygiene.registry.ImageRef;
import io.pyhygiene.registry.PullSecretCredentials;
import io.pyhygiene.registry.PullSecretCredentials.Kind;
import io.pyhygiene.registry.PullSecretCredentials.PullSecret;
import io.pyhygiene.registry.RegistryCredential;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A workload's pull credentials as the kubelet finds them: the pod's {@code imagePullSecrets}, then
 * its ServiceAccount's. Read from the API only when a registry asks for credentials (the resolver
 * calls {@link #lookup} on a 401), on a resolver thread, and dropped after that resolution: nothing
 * here keeps, logs or returns a Secret's content beyond the credential the resolver sends to the
 * registry that asked.
 */
final class PullSecretSource implements CredentialSource {

  private static final String DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson";
  private static final String DOCKERCFG = "kubernetes.io/dockercfg";

  private final PullSecretReader reader;
  private final String namespace;
  private final String serviceAccount;
  private final List<String> podSecrets;

  private PullSecretSource(
      PullSecretReader reader, String namespace, String serviceAccount, List<String> podSecrets) {
    this.reader = reader;
    this.namespace = namespace;
    this.serviceAccount = serviceAccount;
    this.podSecrets = List.copyOf(podSecrets);
  }

  /** The source for a pod spec in a namespace (no API call yet). */
  static PullSecretSource of(PullSecretReader reader, String namespace, PodSpec spec) {
    String sa =
        spec == null
                || spec.getServiceAccountName() == null
                || spec.getServiceAccountName().isEmpty()
            ? "default"
            : spec.getServiceAccountName();
    return new PullSecretSource(
        reader, namespace, sa, names(spec == null ? null : spec.getImagePullSecrets()));
  }

  private static List<String> names(List<LocalObjectReference> refs) {
    if (refs == null) {
      return List.of();
    }
    return refs.stream()
        .filter(Objects::nonNull)
        .map(LocalObjectReference::getName)
        .filter(n -> n != null && !n.isEmpty())
        .toList();
  }

  /** Names only: the namespace, the ServiceAccount and the pod's Secret names. */
  @Override
  public String scope() {
    return "pull-secrets:"
        + namespace
        + "/sa="
        + serviceAccount
        + "/"
        + String.join(",", podSecrets);
  }

  @Override
  public List<RegistryCredential> lookup(ImageRef ref) throws CredentialException {
    Set<String> names = new LinkedHashSet<>(podSecrets);
    List<PullSecret> secrets = new ArrayList<>();
    try {
      ServiceAccount sa = reader.serviceAccount(namespace, serviceAccount);
      if (sa != null) {
        names.addAll(names(sa.getImagePullSecrets()));
      }
      for (String name : names) {
        Secret s = reader.secret(namespace, name);
        PullSecret p = s == null ? null : pullSecret(s);
        if (p != null) { // a missing or foreign-typed Secret is skipped, as the kubelet does
          secrets.add(p);
        }
      }
    } catch (KubernetesClientException e) {
      throw new CredentialException(
          "cannot read the pull Secrets of "
              + namespace
              + " (HTTP "
              + e.getCode()
              + "): the operator needs get on secrets and serviceaccounts there");
    }
    return PullSecretCredentials.of(secrets).lookup(ref);
  }

  private PullSecret pullSecret(Secret s) {
    String type = s.getType() == null ? "" : s.getType();
    Kind kind;
    String key;
    if (type.equals(DOCKER_CONFIG_JSON)) {
      kind = Kind.DOCKER_CONFIG_JSON;
      key = ".dockerconfigjson";
    } else if (type.equals(DOCKERCFG)) {
      kind = Kind.DOCKERCFG;
      key = ".dockercfg";
    } else {
      return null;
    }
    String data = s.getData() == null ? null : s.getData().get(key);
    if (data == null) {
      return null;
    }
    try {
      return new PullSecret(
          namespace + "/" + s.getMetadata().getName(), kind, Base64.getDecoder().decode(data));
    } catch (IllegalArgumentException notBase64) {
      return null;
    }
  }

  @Override
  public String toString() {
    return "PullSecretSource[" + scope() + "]";
  }
}
