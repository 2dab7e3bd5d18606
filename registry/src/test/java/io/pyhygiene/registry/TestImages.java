package io.pyhygiene.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Writes test images into a registry through the distribution API (upload blob, put manifest),
 * without Docker: a config with the fields under test, one real (empty) gzipped tar layer, and an
 * OCI or Docker v2.2 manifest; indexes and manifest lists over those. Jib's own builder cannot
 * write STOPSIGNAL (its config template has no such field), hence this.
 */
public final class TestImages {

  static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
  static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A config under test; null fields are left out of the JSON. */
  public record Spec(
      String os,
      String arch,
      String variant,
      List<String> entrypoint,
      List<String> cmd,
      String user,
      List<String> env,
      String workingDir,
      String stopSignal,
      Map<String, String> labels) {
    public static Spec of() {
      return new Spec("linux", "amd64", null, null, null, null, null, null, null, null);
    }

    public Spec platform(String o, String a, String v) {
      return new Spec(o, a, v, entrypoint, cmd, user, env, workingDir, stopSignal, labels);
    }

    public Spec entrypoint(String... e) {
      return new Spec(
          os, arch, variant, List.of(e), cmd, user, env, workingDir, stopSignal, labels);
    }

    public Spec cmd(String... c) {
      return new Spec(
          os, arch, variant, entrypoint, List.of(c), user, env, workingDir, stopSignal, labels);
    }

    public Spec user(String u) {
      return new Spec(os, arch, variant, entrypoint, cmd, u, env, workingDir, stopSignal, labels);
    }

    public Spec env(String... e) {
      return new Spec(
          os, arch, variant, entrypoint, cmd, user, List.of(e), workingDir, stopSignal, labels);
    }

    public Spec workingDir(String w) {
      return new Spec(os, arch, variant, entrypoint, cmd, user, env, w, stopSignal, labels);
    }

    public Spec stopSignal(String s) {
      return new Spec(os, arch, variant, entrypoint, cmd, user, env, workingDir, s, labels);
    }

    public Spec labels(Map<String, String> l) {
      return new Spec(os, arch, variant, entrypoint, cmd, user, env, workingDir, stopSignal, l);
    }
  }

  /** What a push produced: the manifest's digest, size and media type. */
  public record Pushed(
      String digest,
      long size,
      String mediaType,
      String os,
      String arch,
      String variant,
      String configDigest) {}

  private final TestRegistry registry;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public TestImages(TestRegistry registry) {
    this.registry = registry;
  }

  /** An image with an OCI manifest. */
  public Pushed oci(String repo, String tag, Spec spec) throws Exception {
    return image(repo, tag, spec, OCI_MANIFEST, OCI_CONFIG, OCI_LAYER);
  }

  /** An image with a Docker v2 schema 2 manifest. */
  public Pushed docker(String repo, String tag, Spec spec) throws Exception {
    return image(repo, tag, spec, DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER);
  }

  private Pushed image(
      String repo, String tag, Spec spec, String manifestType, String configType, String layerType)
      throws Exception {
    byte[] tar = new byte[1024]; // an empty tar archive: two zero blocks
    byte[] layer = gzip(tar);
    String layerDigest = pushBlob(repo, layer);

    ObjectNode config = JSON.createObjectNode();
    if (spec.arch() != null) {
      config.put("architecture", spec.arch());
    }
    if (spec.os() != null) {
      config.put("os", spec.os());
    }
    if (spec.variant() != null) {
      config.put("variant", spec.variant());
    }
    ObjectNode c = config.putObject("config");
    if (spec.user() != null) {
      c.put("User", spec.user());
    }
    putList(c, "Env", spec.env());
    putList(c, "Entrypoint", spec.entrypoint());
    putList(c, "Cmd", spec.cmd());
    if (spec.workingDir() != null) {
      c.put("WorkingDir", spec.workingDir());
    }
    if (spec.stopSignal() != null) {
      c.put("StopSignal", spec.stopSignal());
    }
    if (spec.labels() != null) {
      ObjectNode labels = c.putObject("Labels");
      spec.labels().forEach(labels::put);
    }
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.putArray("diff_ids").add(digest(tar));
    byte[] configBytes = JSON.writeValueAsBytes(config);
    String configDigest = pushBlob(repo, configBytes);

    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2).put("mediaType", manifestType);
    manifest
        .putObject("config")
        .put("mediaType", configType)
        .put("digest", configDigest)
        .put("size", configBytes.length);
    manifest
        .putArray("layers")
        .addObject()
        .put("mediaType", layerType)
        .put("digest", layerDigest)
        .put("size", layer.length);
    byte[] body = JSON.writeValueAsBytes(manifest);
    String digest = putManifest(repo, tag, manifestType, body);
    return new Pushed(
        digest, body.length, manifestType, spec.os(), spec.arch(), spec.variant(), configDigest);
  }

  /**
   * An OCI index or Docker manifest list over pushed images, with optional extra descriptor fields.
   */
  Pushed index(
      String repo,
      String tag,
      String indexType,
      List<Pushed> entries,
      Map<String, String> extraDescriptorFields)
      throws Exception {
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2).put("mediaType", indexType);
    ArrayNode manifests = index.putArray("manifests");
    for (Pushed p : entries) {
      ObjectNode d = manifests.addObject();
      d.put("mediaType", p.mediaType()).put("digest", p.digest()).put("size", p.size());
      extraDescriptorFields.forEach(d::put);
      ObjectNode platform = d.putObject("platform");
      platform.put("architecture", p.arch()).put("os", p.os());
      if (p.variant() != null) {
        platform.put("variant", p.variant());
      }
    }
    byte[] body = JSON.writeValueAsBytes(index);
    return new Pushed(
        putManifest(repo, tag, indexType, body), body.length, indexType, null, null, null, null);
  }

  private static void putList(ObjectNode node, String field, List<String> values) {
    if (values != null) {
      ArrayNode a = node.putArray(field);
      values.forEach(a::add);
    }
  }

  private String pushBlob(String repo, byte[] data) throws Exception {
    String digest = digest(data);
    HttpResponse<Void> start =
        send(
            HttpRequest.newBuilder(URI.create(registry.url("/v2/" + repo + "/blobs/uploads/")))
                .POST(HttpRequest.BodyPublishers.noBody()));
    expect(start, 202, "start upload");
    String location = start.headers().firstValue("Location").orElseThrow();
    URI put = URI.create(registry.url("/")).resolve(location);
    String sep = put.getQuery() == null ? "?" : "&";
    HttpResponse<Void> done =
        send(
            HttpRequest.newBuilder(URI.create(put + sep + "digest=" + digest))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data)));
    expect(done, 201, "upload blob");
    return digest;
  }

  private String putManifest(String repo, String reference, String mediaType, byte[] body)
      throws Exception {
    HttpResponse<Void> r =
        send(
            HttpRequest.newBuilder(
                    URI.create(registry.url("/v2/" + repo + "/manifests/" + reference)))
                .header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
    expect(r, 201, "put manifest " + repo + ":" + reference);
    return digest(body);
  }

  private HttpResponse<Void> send(HttpRequest.Builder b) throws IOException, InterruptedException {
    if (registry.pushAuthorization() != null) {
      b.header("Authorization", registry.pushAuthorization());
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.discarding());
  }

  private static void expect(HttpResponse<?> r, int status, String what) {
    if (r.statusCode() != status) {
      throw new IllegalStateException(what + ": HTTP " + r.statusCode());
    }
  }

  static String digest(byte[] data) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }
}
