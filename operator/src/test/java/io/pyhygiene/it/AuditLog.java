package io.pyhygiene.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pyhygiene.controlplane.RealCluster;
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
 * Metadata level). A {@link Mark} remembers where the log ended, so a test reads only what the
 * API server recorded after it.
 */
final class AuditLog {

  static final Set<String> WRITE_VERBS = Set.of("create", "update", "patch", "delete",
      "deletecollection");
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  /** One recorded request. */
  record Request(String verb, String user, String userAgent, String resource, String subresource,
      String namespace, String name, int code, String received, String uri, JsonNode raw) {
    /** A request with a write verb, whatever came of it (dry runs and rejected ones too). */
    boolean write() {
      return WRITE_VERBS.contains(verb);
    }

    /** A server-side dry run: validated and admitted, never persisted. */
    boolean dryRun() {
      return uri.contains("dryRun=");
    }

    /** A write that changed what is stored: not a dry run, and accepted. */
    boolean persisted() {
      return write() && !dryRun() && code >= 200 && code < 300;
    }

    @Override
    public String toString() {
      return verb + (dryRun() ? " (dry run)" : "") + " " + resource + (subresource.isEmpty() ? "" : "/" + subresource) + " "
          + (namespace.isEmpty() ? "" : namespace + "/") + name + " -> " + code + " at "
          + received + " by " + user + " (" + userAgent + ")";
    }
  }

  /** A position in the log. */
  record Mark(long offset) {}

  private AuditLog() {}

  static Path path() {
    return RealCluster.auditLog();
  }

  static Mark mark() throws IOException {
    Path p = path();
    return new Mark(Files.exists(p) ? Files.size(p) : 0);
  }

  /** The requests recorded since the mark (the whole log if it was rotated meanwhile). */
  static List<Request> since(Mark mark) throws IOException {
    return between(mark, null);
  }

  /** The requests recorded between two marks ({@code to} null: up to now). */
  static List<Request> between(Mark mark, Mark to) throws IOException {
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
      out.add(new Request(n.path("verb").asText(), n.path("user").path("username").asText(),
          n.path("userAgent").asText(), ref.path("resource").asText(),
          ref.path("subresource").asText(), ref.path("namespace").asText(),
          ref.path("name").asText(), n.path("responseStatus").path("code").asInt(),
          n.path("requestReceivedTimestamp").asText(), n.path("requestURI").asText(), n));
    }
    return out;
  }

  /** Write requests made by the operator run by {@code op} since the mark. */
  static List<Request> operatorWritesSince(Mark mark, OperatorHarness op) throws IOException {
    return operatorWrites(since(mark), op);
  }

  /** Write requests made by the operator between two marks. */
  static List<Request> operatorWritesSince(Mark mark, Mark to, OperatorHarness op)
      throws IOException {
    return operatorWrites(between(mark, to), op);
  }

  private static List<Request> operatorWrites(List<Request> requests, OperatorHarness op) {
    return requests.stream()
        .filter(Request::write)
        .filter(r -> r.userAgent().startsWith(OperatorHarness.USER_AGENT_PREFIX))
        .filter(r -> r.user().equals(op.username()))
        .toList();
  }
}
