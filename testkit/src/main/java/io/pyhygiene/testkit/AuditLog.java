package io.pyhygiene.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The API server's audit log ({@code e2e/.work/audit.log}, JSON lines; the cluster's audit policy
 * records writes of Deployments, {@code pyhygiene.io} and {@code wgpolicyk8s.io} objects at
 * Metadata level). A {@link Mark} remembers where the log ended, so a test reads only what the API
 * server recorded after it.
 */
public final class AuditLog {

  public static final Set<String> WRITE_VERBS =
      Set.of("create", "update", "patch", "delete", "deletecollection");
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  /** One recorded request. */
  public record Request(
      String verb,
      String user,
      String userAgent,
      String resource,
      String subresource,
      String namespace,
      String name,
      int code,
      String received,
      String uri,
      JsonNode raw) {
    /** A request with a write verb, whatever came of it (dry runs and rejected ones too). */
    public boolean write() {
      return WRITE_VERBS.contains(verb);
    }

    /** A server-side dry run: validated and admitted, never persisted. */
    public boolean dryRun() {
      return uri.contains("dryRun=");
    }

    /** A write that changed what is stored: not a dry run, and accepted. */
    public boolean persisted() {
      return write() && !dryRun() && code >= 200 && code < 300;
    }

    @Override
    public String toString() {
      return verb
          + (dryRun() ? " (dry run)" : "")
          + " "
          + resource
          + (subresource.isEmpty() ? "" : "/" + subresource)
          + " "
          + (namespace.isEmpty() ? "" : namespace + "/")
          + name
          + " -> "
          + code
          + " at "
          + received
          + " by "
          + user
          + " ("
          + userAgent
          + ")";
    }
  }

  /** A position in the log. */
  public record Mark(long offset) {}

  private AuditLog() {}

  public static Path path() {
    return RealCluster.auditLog();
  }

  public static Mark mark() throws IOException {
    Path p = path();
    return new Mark(Files.exists(p) ? Files.size(p) : 0);
  }

  /** The requests recorded since the mark (the whole log if it was rotated meanwhile). */
  public static List<Request> since(Mark mark) throws IOException {
    return between(mark, null);
  }

  /** The requests recorded between two marks ({@code to} null: up to now). */
  public static List<Request> between(Mark mark, Mark to) throws IOException {
    Path p = path();
    List<Request> out = new ArrayList<>();
    if (!Files.exists(p)) {
      return out;
    }
    byte[] bytes;
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
      long size = to == null ? f.length() : Math.min(f.length(), to.offset());
      long from = mark.offset() <= size ? mark.offset() : 0;
      bytes = new byte[(int) (size - from)];
      f.seek(from);
      f.readFully(bytes);
    }
    for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
      if (!line.startsWith("{") || !line.endsWith("}")) {
        continue; // a line cut by a mark taken while the API server was writing it
      }
      JsonNode n = JSON.readTree(line);
      JsonNode ref = n.path("objectRef");
      out.add(
          new Request(
              n.path("verb").asText(),
              n.path("user").path("username").asText(),
              n.path("userAgent").asText(),
              ref.path("resource").asText(),
              ref.path("subresource").asText(),
              ref.path("namespace").asText(),
              ref.path("name").asText(),
              n.path("responseStatus").path("code").asInt(),
              n.path("requestReceivedTimestamp").asText(),
              n.path("requestURI").asText(),
              n));
    }
    return out;
  }

  /** Write requests made since the mark by a client with this user agent prefix and user. */
  public static List<Request> writesSince(Mark mark, String userAgentPrefix, String user)
      throws IOException {
    return writes(since(mark), userAgentPrefix, user);
  }

  /** Write requests made between two marks by a client with this user agent prefix and user. */
  public static List<Request> writesBetween(Mark mark, Mark to, String userAgentPrefix, String user)
      throws IOException {
    return writes(between(mark, to), userAgentPrefix, user);
  }

  private static List<Request> writes(List<Request> requests, String userAgentPrefix, String user) {
    return requests.stream()
        .filter(Request::write)
        .filter(r -> r.userAgent().startsWith(userAgentPrefix))
        .filter(r -> r.user().equals(user))
        .toList();
  }
}
