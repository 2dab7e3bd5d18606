package io.pyhygiene.registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Credentials from a Docker client config ({@code $DOCKER_CONFIG/config.json}, else {@code
 * ~/.docker/config.json}), looked up as the Docker CLI does:
 *
 * <ol>
 *   <li>the server key is {@code https://index.docker.io/v1/} for Docker Hub, else the registry's
 *       {@code host[:port]};
 *   <li>a {@code credHelpers} entry for that key, else {@code credsStore}, names a helper: {@code
 *       docker-credential-<name> get} is run with the key on stdin, and its answer is the only one
 *       used ({@code credentials not found in native keychain} means none);
 *   <li>with no helper, the {@code auths} entry whose key has the same host (scheme and path
 *       ignored); Docker Hub's aliases {@code index.docker.io}, {@code docker.io} and {@code
 *       registry-1.docker.io} count as one host.
 * </ol>
 *
 * A missing file means no credentials. The file is re-read on each lookup (lookups happen only
 * after a 401), so a {@code docker login} is seen without a restart. Nothing is kept in memory.
 */
public final class DockerConfigCredentials implements CredentialSource {

  static final String HUB_SERVER_KEY = "https://index.docker.io/v1/";
  static final List<String> HUB_HOSTS =
      List.of("index.docker.io", "docker.io", "registry-1.docker.io");
  private static final String NOT_FOUND = "credentials not found in native keychain";
  private static final int MAX_HELPER_OUTPUT = 64 * 1024;
  private static final com.fasterxml.jackson.databind.ObjectReader JSON = RegistryJson.READER;

  private final Path file;
  private final String path;
  private final Duration helperTimeout;

  /**
   * @param file the config.json to read (may not exist)
   * @param path the PATH on which {@code docker-credential-*} helpers are looked up
   * @param helperTimeout how long a helper may take before it is killed
   */
  public DockerConfigCredentials(Path file, String path, Duration helperTimeout) {
    this.file = file;
    this.path = path == null ? "" : path;
    this.helperTimeout = helperTimeout;
  }

  /**
   * The config Docker would read given this environment ({@code DOCKER_CONFIG}, {@code HOME},
   * {@code PATH}).
   */
  public static DockerConfigCredentials fromEnvironment(Map<String, String> env) {
    String dir = env.get("DOCKER_CONFIG");
    Path file;
    if (dir != null && !dir.isEmpty()) {
      file = Path.of(dir, "config.json");
    } else {
      String home = env.getOrDefault("HOME", System.getProperty("user.home"));
      file = Path.of(home, ".docker", "config.json");
    }
    return new DockerConfigCredentials(file, env.get("PATH"), Duration.ofSeconds(10));
  }

  /** A given file (the CLI's {@code --registry-config}), helpers on this process's PATH. */
  public static DockerConfigCredentials fromFile(Path file) {
    return new DockerConfigCredentials(file, System.getenv("PATH"), Duration.ofSeconds(10));
  }

  public Path file() {
    return file;
  }

  @Override
  public String scope() {
    return "docker-config:" + file;
  }

  @Override
  public List<RegistryCredential> lookup(ImageRef ref) throws CredentialException {
    JsonNode config = read();
    if (config == null) {
      return List.of();
    }
    String serverKey = ref.isDockerHub() ? HUB_SERVER_KEY : ref.registry();
    Optional<String> helper = helperFor(config, ref, serverKey);
    if (helper.isPresent()) {
      return runHelper(helper.get(), serverKey).map(List::of).orElse(List.of());
    }
    Map<String, RegistryCredential> auths = DockerAuthEntries.parse(config.get("auths"));
    RegistryCredential exact = auths.get(serverKey);
    if (exact != null) {
      return List.of(exact);
    }
    List<String> hosts =
        ref.isDockerHub() ? HUB_HOSTS : List.of(ref.registry().toLowerCase(Locale.ROOT));
    for (Map.Entry<String, RegistryCredential> e : auths.entrySet()) {
      if (hosts.contains(hostOf(e.getKey()))) {
        return List.of(e.getValue());
      }
    }
    return List.of();
  }

  private JsonNode read() throws CredentialException {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(java.nio.file.Files.readString(file));
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      // Jackson's message may quote the file's content; say only where and what kind.
      throw new CredentialException("cannot read Docker config " + file + ": not valid JSON");
    }
  }

  private static Optional<String> helperFor(JsonNode config, ImageRef ref, String serverKey) {
    JsonNode helpers = config.get("credHelpers");
    if (helpers != null && helpers.isObject()) {
      List<String> keys = new ArrayList<>(List.of(serverKey));
      if (ref.isDockerHub()) {
        keys.addAll(HUB_HOSTS);
      }
      for (String k : keys) {
        JsonNode h = helpers.get(k);
        if (h != null && h.isTextual() && !h.asText().isEmpty()) {
          return Optional.of(h.asText());
        }
      }
    }
    JsonNode store = config.get("credsStore");
    return store != null && store.isTextual() && !store.asText().isEmpty()
        ? Optional.of(store.asText())
        : Optional.empty();
  }

  /** Docker's ConvertToHostname: drop the scheme and everything from the first slash. */
  static String hostOf(String key) {
    String k = key;
    if (k.startsWith("http://")) {
      k = k.substring(7);
    } else if (k.startsWith("https://")) {
      k = k.substring(8);
    }
    int slash = k.indexOf('/');
    return (slash < 0 ? k : k.substring(0, slash)).toLowerCase(Locale.ROOT);
  }

  /**
   * Runs {@code docker-credential-<name> get} with the server key on stdin, as Docker does. Its
   * output is parsed and dropped; an error message never quotes it (it may hold a secret).
   */
  private Optional<RegistryCredential> runHelper(String name, String serverKey)
      throws CredentialException {
    String program = "docker-credential-" + name;
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new CredentialException("invalid credential helper name in " + file);
    }
    Path exe =
        findOnPath(program)
            .orElseThrow(
                () ->
                    new CredentialException(
                        program + " not found on PATH (named in " + file + ")"));
    Process process;
    try {
      process =
          new ProcessBuilder(exe.toString(), "get")
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
    } catch (IOException e) {
      throw new CredentialException("cannot run " + program + ": " + e.getMessage());
    }
    try {
      try (OutputStream in = process.getOutputStream()) {
        in.write(serverKey.getBytes(StandardCharsets.UTF_8));
      } catch (IOException exitedWithoutReading) {
        // a helper may exit before reading stdin (broken pipe): its exit code and output decide
      }
      byte[] out = readBounded(process.getInputStream());
      if (!process.waitFor(helperTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new CredentialException(
            program + " get did not finish within " + helperTimeout.toSeconds() + "s");
      }
      String text = new String(out, StandardCharsets.UTF_8).trim();
      if (process.exitValue() != 0) {
        if (text.equals(NOT_FOUND)) {
          return Optional.empty();
        }
        throw new CredentialException(program + " get exited " + process.exitValue());
      }
      JsonNode answer;
      try {
        answer = JSON.readTree(text);
      } catch (IOException e) {
        throw new CredentialException(program + " get printed something that is not JSON");
      }
      String user = answer.path("Username").asText("");
      String secret = answer.path("Secret").asText("");
      if (secret.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(
          user.equals(RegistryCredential.TOKEN_USER)
              ? RegistryCredential.identityToken(secret)
              : RegistryCredential.password(user, secret));
    } catch (IOException e) {
      throw new CredentialException(program + " get failed: " + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CredentialException(program + " get was interrupted");
    } finally {
      process.destroyForcibly();
    }
  }

  /**
   * Reads the helper's stdout up to a bound. A helper that never closes stdout would block this
   * read, so the read runs on its own thread and the wait is bounded by the helper timeout.
   */
  private byte[] readBounded(InputStream stream) throws IOException, InterruptedException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    IOException[] failure = new IOException[1];
    Thread reader =
        new Thread(
            () -> {
              byte[] chunk = new byte[8192];
              try {
                int n;
                while ((n = stream.read(chunk)) >= 0) {
                  synchronized (buffer) {
                    if (buffer.size() + n > MAX_HELPER_OUTPUT) {
                      throw new IOException(
                          "credential helper output over " + MAX_HELPER_OUTPUT + " bytes");
                    }
                    buffer.write(chunk, 0, n);
                  }
                }
              } catch (IOException e) {
                failure[0] = e;
              }
            },
            "docker-credential-reader");
    reader.setDaemon(true);
    reader.start();
    reader.join(helperTimeout.toMillis());
    if (reader.isAlive()) {
      stream.close();
      throw new IOException("credential helper did not finish");
    }
    if (failure[0] != null) {
      throw failure[0];
    }
    synchronized (buffer) {
      return buffer.toByteArray();
    }
  }

  private Optional<Path> findOnPath(String program) {
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "DockerConfigCredentials[" + file + "]";
  }
}
