package io.pyhygiene.registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Credentials from Kubernetes image pull Secrets, matched to an image as the kubelet's keyring does
 * (pkg/credentialprovider): the operator reads the Secrets (a Deployment's {@code imagePullSecrets}
 * and its ServiceAccount's) and passes their payloads here; this class only parses them and never
 * keeps them beyond the resolution they were passed for.
 *
 * <p>Matching: each key loses its scheme and a leading {@code /v1/} or {@code /v2/}; a key matches
 * the image name ({@code docker.io/library/python}) when the ports are equal, the host has as many
 * dot-separated labels and each label matches as a glob ({@code *.example.com}), and the key's path
 * is a prefix of the image's path. More specific keys come first (reverse lexical order). With no
 * match, a Docker Hub image gets the {@code index.docker.io} entry.
 */
public final class PullSecretCredentials implements CredentialSource {

  private static final com.fasterxml.jackson.databind.ObjectReader JSON = RegistryJson.READER;
  private static final String DEFAULT_REGISTRY_KEY = "index.docker.io";

  /** The two Secret types the kubelet reads, with the data key each one keeps its payload under. */
  public enum Kind {
    /**
     * {@code kubernetes.io/dockerconfigjson}, data key {@code .dockerconfigjson}: {@code {"auths":
     * {...}}}.
     */
    DOCKER_CONFIG_JSON,
    /**
     * {@code kubernetes.io/dockercfg}, data key {@code .dockercfg}: the {@code auths} map itself.
     */
    DOCKERCFG
  }

  /**
   * One Secret's payload (decoded {@code data} bytes). {@code name} is for messages and the cache
   * scope ({@code namespace/name}); toString shows no payload.
   */
  public record PullSecret(String name, Kind kind, byte[] payload) {
    public PullSecret {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(kind, "kind");
      payload = payload == null ? new byte[0] : payload.clone();
    }

    @Override
    public String toString() {
      return "PullSecret[" + name + ", " + kind + "]";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof PullSecret p
          && p.name.equals(name)
          && p.kind == kind
          && java.util.Arrays.equals(p.payload, payload);
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, kind, java.util.Arrays.hashCode(payload));
    }
  }

  private final Map<String, List<RegistryCredential>> byKey;
  private final List<String> index;
  private final List<String> problems;
  private final String scope;

  private PullSecretCredentials(
      Map<String, List<RegistryCredential>> byKey, List<String> problems, String scope) {
    this.byKey = byKey;
    this.index = new ArrayList<>(byKey.keySet());
    this.index.sort(Comparator.reverseOrder());
    this.problems = List.copyOf(problems);
    this.scope = scope;
  }

  /**
   * Parses the Secrets in the order the kubelet would use them. A Secret that is not valid JSON is
   * skipped, as the kubelet skips it, and named in {@link #problems()}.
   */
  public static PullSecretCredentials of(List<PullSecret> secrets) {
    Map<String, List<RegistryCredential>> byKey = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (PullSecret secret : secrets) {
      names.add(secret.name());
      JsonNode root;
      try {
        root = JSON.readTree(secret.payload());
      } catch (IOException e) {
        problems.add(secret.name() + ": not valid JSON");
        continue;
      }
      JsonNode auths =
          secret.kind() == Kind.DOCKER_CONFIG_JSON
              ? (root == null ? null : root.get("auths"))
              : root;
      if (auths == null || !auths.isObject()) {
        problems.add(secret.name() + ": no auths");
        continue;
      }
      DockerAuthEntries.parse(auths)
          .forEach(
              (location, credential) -> {
                String key = keyOf(location);
                if (!key.isEmpty()) {
                  List<RegistryCredential> list =
                      byKey.computeIfAbsent(key, k -> new ArrayList<>());
                  if (!list.contains(credential)) {
                    list.add(credential);
                  }
                }
              });
    }
    return new PullSecretCredentials(byKey, problems, "pull-secrets:" + String.join(",", names));
  }

  /** Secrets that were skipped and why (names only, never content). */
  public List<String> problems() {
    return problems;
  }

  @Override
  public String scope() {
    return scope;
  }

  @Override
  public List<RegistryCredential> lookup(ImageRef ref) {
    String image = ref.name();
    List<RegistryCredential> out = new ArrayList<>();
    for (String key : index) {
      if (matches(key, image)) {
        out.addAll(byKey.get(key));
      }
    }
    if (out.isEmpty() && ref.isDockerHub() && byKey.containsKey(DEFAULT_REGISTRY_KEY)) {
      out.addAll(byKey.get(DEFAULT_REGISTRY_KEY));
    }
    return out;
  }

  /**
   * The keyring key of a config location: no scheme, {@code /v1/} and {@code /v2/} dropped, no
   * trailing lone slash.
   */
  static String keyOf(String location) {
    String value = location.trim();
    int scheme = value.indexOf("://");
    if (scheme >= 0) {
      value = value.substring(scheme + 3);
    }
    int slash = value.indexOf('/');
    String host = slash < 0 ? value : value.substring(0, slash);
    String path = slash < 0 ? "" : value.substring(slash);
    if (path.startsWith("/v1/") || path.startsWith("/v2/")) {
      path = path.substring(3);
    }
    return path.isEmpty() || path.equals("/") ? host : host + path;
  }

  /** The kubelet's URLsMatchStr(glob, target) on schemeless {@code host[:port][/path]} strings. */
  static boolean matches(String globKey, String target) {
    String[] glob = splitHostPath(globKey);
    String[] want = splitHostPath(target);
    String[] globHostPort = splitPort(glob[0]);
    String[] wantHostPort = splitPort(want[0]);
    if (!globHostPort[1].equals(wantHostPort[1])) {
      return false;
    }
    String[] globLabels = globHostPort[0].split("\\.", -1);
    String[] wantLabels = wantHostPort[0].split("\\.", -1);
    if (globLabels.length != wantLabels.length || !want[1].startsWith(glob[1])) {
      return false;
    }
    for (int i = 0; i < globLabels.length; i++) {
      if (!globToRegex(globLabels[i]).matcher(wantLabels[i]).matches()) {
        return false;
      }
    }
    return true;
  }

  private static String[] splitHostPath(String s) {
    int slash = s.indexOf('/');
    return slash < 0
        ? new String[] {s, ""}
        : new String[] {s.substring(0, slash), s.substring(slash)};
  }

  /** Go's net.SplitHostPort, falling back to the whole string as host with no port. */
  private static String[] splitPort(String hostPort) {
    if (hostPort.startsWith("[")) {
      int end = hostPort.indexOf(']');
      if (end > 0) {
        String host = hostPort.substring(1, end);
        String rest = hostPort.substring(end + 1);
        return rest.startsWith(":")
            ? new String[] {host, rest.substring(1)}
            : new String[] {hostPort, ""};
      }
    }
    int colon = hostPort.lastIndexOf(':');
    if (colon >= 0 && hostPort.indexOf(':') == colon) {
      return new String[] {hostPort.substring(0, colon), hostPort.substring(colon + 1)};
    }
    return new String[] {hostPort, ""};
  }

  /** Go's filepath.Match for one host label: {@code *}, {@code ?} and {@code [...]} classes. */
  private static Pattern globToRegex(String glob) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      switch (c) {
        case '*' -> re.append("[^/]*");
        case '?' -> re.append("[^/]");
        case '[' -> {
          int end = glob.indexOf(']', i + 1);
          if (end < 0) {
            return Pattern.compile(
                "(?!)"); // a malformed pattern matches nothing, as Go's errors do
          }
          String body = glob.substring(i + 1, end);
          if (body.startsWith("^")) {
            body = "^" + body.substring(1).replace("\\", "\\\\").replace("[", "\\[");
          } else {
            body = body.replace("\\", "\\\\").replace("[", "\\[");
          }
          re.append('[').append(body).append(']');
          i = end;
        }
        case '\\' -> {
          if (i + 1 < glob.length()) {
            re.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
          }
        }
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }

  @Override
  public String toString() {
    return "PullSecretCredentials[" + scope + "]";
  }
}
