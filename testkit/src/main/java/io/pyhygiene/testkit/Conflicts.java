package io.pyhygiene.testkit;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.function.Supplier;

/**
 * Test writes that read, change and write back (fabric8's {@code edit}/{@code editStatus}) send the
 * resourceVersion they read; a controller writing the object in between (the Job controller's pod
 * finalizer, the scheduler's condition, the kubelet) makes the API server answer 409. Such test
 * writes ({@link Kubelet}, {@link HeldPods}) retry on a fresh read, as client-go's {@code
 * RetryOnConflict} does.
 */
public final class Conflicts {

  private static final int ATTEMPTS = 10;

  private Conflicts() {}

  /** Runs {@code write}, again (up to 10 times in all) while it fails with 409 Conflict. */
  public static <T> T retry(Supplier<T> write) {
    for (int attempt = 1; ; attempt++) {
      try {
        return write.get();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == ATTEMPTS) {
          throw e;
        }
      }
    }
  }
}
