package io.pyhygiene.operator.images;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Reads the objects pull credentials come from, one {@code get} each (never a list or a watch:
 * Secrets are not cached). Null when the object does not exist; a refused read throws the client's
 * exception.
 */
interface PullSecretReader {

  ServiceAccount serviceAccount(String namespace, String name);

  Secret secret(String namespace, String name);

  /** The API server's, as the operator's identity. */
  static PullSecretReader of(KubernetesClient client) {
    return new PullSecretReader() {
      @Override
      public ServiceAccount serviceAccount(String namespace, String name) {
        return client.serviceAccounts().inNamespace(namespace).withName(name).get();
      }

      @Override
      public Secret secret(String namespace, String name) {
        return client.secrets().inNamespace(namespace).withName(name).get();
      }
    };
  }
}
