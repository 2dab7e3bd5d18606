package io.pyhygiene.registry;

import java.util.ArrayList;
import java.util.List;

/**
 * Where credentials for a registry come from: a Docker config file (the CLI), Kubernetes pull
 * Secrets (the operator), or nothing. Asked only when a registry answers 401, so a public image
 * never runs a credential helper.
 */
public interface CredentialSource {

  /**
   * The credentials to try for {@code ref}, in order (the kubelet also tries every matching
   * pull-secret entry in turn). Empty when none match.
   *
   * @throws CredentialException when a source that should answer cannot (a credential helper that
   *     fails): Docker then fails the pull, and so does the resolver (UNAUTHORIZED)
   */
  List<RegistryCredential> lookup(ImageRef ref) throws CredentialException;

  /**
   * A non-secret name for this source (a file path, Secret names), part of the key under which
   * failures are cached, so that a 401 without credentials does not answer for a caller with them.
   */
  String scope();

  /** No credentials: anonymous pulls only. */
  CredentialSource NONE =
      new CredentialSource() {
        @Override
        public List<RegistryCredential> lookup(ImageRef ref) {
          return List.of();
        }

        @Override
        public String scope() {
          return "anonymous";
        }
      };

  /**
   * The credentials of every source in order (pull Secrets first, then the node's, as the kubelet
   * does).
   */
  static CredentialSource chain(CredentialSource... sources) {
    List<CredentialSource> all = List.of(sources);
    return new CredentialSource() {
      @Override
      public List<RegistryCredential> lookup(ImageRef ref) throws CredentialException {
        List<RegistryCredential> out = new ArrayList<>();
        for (CredentialSource s : all) {
          for (RegistryCredential c : s.lookup(ref)) {
            if (!out.contains(c)) {
              out.add(c);
            }
          }
        }
        return out;
      }

      @Override
      public String scope() {
        return String.join("+", all.stream().map(CredentialSource::scope).toList());
      }
    };
  }

  /** A source that should answer could not; the message names the source, never a secret. */
  final class CredentialException extends Exception {
    private static final long serialVersionUID = 1L;

    public CredentialException(String message) {
      super(message);
    }
  }
}
