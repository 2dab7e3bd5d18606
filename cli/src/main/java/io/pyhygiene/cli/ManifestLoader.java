package io.pyhygiene.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.pyhygiene.json.Json;
import io.pyhygiene.workload.Ownership;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Reads manifests from files, directories (recursively: {@code *.yaml}, {@code *.yml}, {@code
 * *.json}) and stdin. Multi-document YAML and {@code kind: List} are expanded. Workloads of every
 * audited kind are kept (Deployment, StatefulSet, DaemonSet, Job, CronJob, a ReplicaSet no
 * Deployment owns, a Pod no controller owns), and so are Services (which decide what serves) and
 * ConfigMaps (scripts mounted from them are read); other kinds are skipped. A malformed document
 * never stops the load: it becomes an {@link InputError} naming the source, the document and what
 * is wrong.
 */
public final class ManifestLoader {

  /**
   * A workload read from a manifest.
   *
   * @param source the path as given (or {@code <stdin>})
   * @param document 1-based index of the YAML document in the source
   * @param line 1-based line where the document's content starts
   * @param workload the parsed object (a Deployment, StatefulSet, ... or Pod)
   */
  public record LoadedWorkload(String source, int document, int line, HasMetadata workload) {}

  /**
   * A document or path that could not be read.
   *
   * @param source the path as given (or {@code <stdin>})
   * @param document 1-based document index, or 0 when the whole source failed
   * @param message what is wrong, naming the field when there is one
   */
  public record InputError(String source, int document, String message) {}

  /**
   * Everything read from the inputs.
   *
   * @param workloads the workloads to audit, in input order
   * @param services every Service in the input
   * @param configMaps every ConfigMap in the input
   * @param errors what could not be read
   * @param files how many files were read
   */
  public record Result(
      List<LoadedWorkload> workloads,
      List<Service> services,
      List<ConfigMap> configMaps,
      List<InputError> errors,
      int files) {}

  /** What parsing collects, in input order; workloads go to the sink. */
  private record Collected(
      WorkloadSink workloads, List<Service> services, List<ConfigMap> configMaps) {
    Collected(WorkloadSink sink) {
      this(sink, new ArrayList<>(), new ArrayList<>());
    }
  }

  /** The class each audited kind parses into. */
  private static final Map<String, Class<? extends HasMetadata>> KINDS =
      Map.of(
          "Deployment",
          Deployment.class,
          "StatefulSet",
          StatefulSet.class,
          "DaemonSet",
          DaemonSet.class,
          "ReplicaSet",
          ReplicaSet.class,
          "Job",
          Job.class,
          "CronJob",
          CronJob.class,
          "Pod",
          Pod.class,
          "Service",
          Service.class,
          "ConfigMap",
          ConfigMap.class);

  /**
   * A reader for each kind, built when the kind is first met (building one builds the kind's
   * deserializers: nine of them up front would cost a second of CPU). Readers are immutable and
   * thread-safe.
   */
  private static final Map<Class<? extends HasMetadata>, ObjectReader> READERS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static ObjectReader reader(Class<? extends HasMetadata> type) {
    return READERS.computeIfAbsent(
        type,
        t -> Json.MAPPER.readerFor(t).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES));
  }

  /** How many documents are parsed together (in parallel) before they are handed on in order. */
  private static final int PARSE_BATCH = 64;

  /** A batch is handed on early once its documents hold this many characters. */
  private static final int PARSE_BATCH_CHARS = 4 << 20;

  private static final ObjectMapper YAML = Json.YAML;
  private static final ObjectMapper JSON = Json.MAPPER;

  /**
   * Maps a workload's JSON (a node {@link WorkloadSink} was given, written as JSON) onto the
   * fabric8 model again, as the loader did.
   */
  public static HasMetadata toWorkload(String kind, byte[] json) throws IOException {
    Class<? extends HasMetadata> type = KINDS.get(kind);
    if (type == null) {
      throw new IOException("not an audited kind: " + kind);
    }
    return reader(type).readValue(json);
  }

  private final InputStream stdin;
  private final Consumer<String> progress;

  public ManifestLoader(InputStream stdin, Consumer<String> progress) {
    this.stdin = stdin;
    this.progress = progress;
  }

  public Result load(List<String> paths) {
    List<LoadedWorkload> workloads = new ArrayList<>();
    Summary summary =
        stream(
            paths,
            (source, document, line, node, workload) ->
                workloads.add(new LoadedWorkload(source, document, line, workload)));
    return new Result(
        List.copyOf(workloads),
        summary.services(),
        summary.configMaps(),
        summary.errors(),
        summary.files());
  }

  /**
   * Receives each workload to audit as it is read, in input order.
   *
   * <p>{@code node} is the document (or {@code kind: List} item) the workload was mapped from:
   * mapping it again with {@link #toWorkload} gives an equal object.
   */
  @FunctionalInterface
  public interface WorkloadSink {
    void accept(String source, int document, int line, JsonNode node, HasMetadata workload)
        throws IOException;

    /** A Service or ConfigMap was read (it is in the summary too); workloads may follow. */
    default void context(HasMetadata serviceOrConfigMap) {}
  }

  /**
   * What {@link #stream} keeps: everything but the workloads.
   *
   * @param services every Service in the input
   * @param configMaps every ConfigMap in the input
   * @param errors what could not be read, in input order
   * @param files how many files were read
   */
  public record Summary(
      List<Service> services, List<ConfigMap> configMaps, List<InputError> errors, int files) {}

  /**
   * Reads the inputs one document at a time, handing each workload to {@code sink} as soon as it is
   * read and keeping only Services, ConfigMaps and errors: memory does not grow with the number of
   * workloads (stdin is never read whole).
   *
   * @throws UncheckedIOException when the sink fails (it is not an input error)
   */
  public Summary stream(List<String> paths, WorkloadSink sink) {
    Collected collected = new Collected(sink);
    List<InputError> errors = new ArrayList<>();
    List<Source> sources = new ArrayList<>();
    for (String p : paths) {
      expand(p, sources, errors);
    }
    int done = 0;
    Batch batch = new Batch(collected, errors);
    for (Source s : sources) {
      readSource(s, batch);
      done++;
      if (sources.size() >= 200 && done % 200 == 0) {
        progress.accept("read " + done + "/" + sources.size() + " files");
      }
    }
    batch.flush();
    return new Summary(
        List.copyOf(collected.services()),
        List.copyOf(collected.configMaps()),
        List.copyOf(errors),
        sources.size());
  }

  /** Thrown through the parser when the sink fails, so it is not taken for an input error. */
  private static final class SinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SinkException(IOException cause) {
      super(cause);
    }
  }

  /** Files up to this size are read whole, once; larger ones are checked, then streamed. */
  private static final long WHOLE_FILE_BYTES = 4 << 20;

  private void readSource(Source s, Batch batch) {
    batch.start();
    try {
      if (s.json()) {
        batch.add(
            s.name(), new Document(Files.readString(s.path(), StandardCharsets.UTF_8), 0, 1), true);
        return;
      }
      if (s.stdin()) {
        // Malformed UTF-8 on stdin becomes U+FFFD (as new String(bytes, UTF_8) would make it).
        splitDocuments(
            new InputStreamReader(stdin, StandardCharsets.UTF_8),
            doc -> batch.add(s.name(), doc, false));
        return;
      }
      // A file that is not UTF-8 fails whole, before any of its documents is audited.
      if (Files.size(s.path()) <= WHOLE_FILE_BYTES) {
        String text = strictUtf8(Files.readAllBytes(s.path()));
        splitDocuments(new java.io.StringReader(text), doc -> batch.add(s.name(), doc, false));
        return;
      }
      checkUtf8(s.path());
      try (Reader r = Files.newBufferedReader(s.path(), StandardCharsets.UTF_8)) {
        splitDocuments(r, doc -> batch.add(s.name(), doc, false));
      }
    } catch (SinkException e) {
      throw new UncheckedIOException((IOException) e.getCause());
    } catch (IOException | UncheckedIOException e) {
      batch.error(new InputError(s.name(), 0, "cannot read: " + e.getMessage()));
    }
  }

  /** Decodes bytes as Files.readString would: malformed UTF-8 throws. */
  private static String strictUtf8(byte[] bytes) throws IOException {
    return strictDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
  }

  /** A UTF-8 decoder that throws on malformed input (Files.readString's behaviour). */
  private static java.nio.charset.CharsetDecoder strictDecoder() {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
  }

  /** Decodes the whole file strictly, keeping nothing: throws what Files.readString would. */
  private static void checkUtf8(Path path) throws IOException {
    java.nio.charset.CharsetDecoder decoder = strictDecoder();
    try (InputStream in = Files.newInputStream(path);
        Reader r = new InputStreamReader(in, decoder)) {
      char[] buf = new char[1 << 16];
      while (r.read(buf) >= 0) {
        // decoding is the check
      }
    }
  }

  private record Source(String name, Path path, boolean stdin, boolean json) {}

  private static void expand(String p, List<Source> out, List<InputError> errors) {
    if (p.equals("-")) {
      out.add(new Source("<stdin>", null, true, false));
      return;
    }
    Path path = Path.of(p);
    if (Files.isDirectory(path)) {
      try (Stream<Path> walk = Files.walk(path)) {
        walk.filter(Files::isRegularFile)
            .filter(f -> isManifest(f.getFileName().toString()))
            .sorted()
            .forEach(f -> out.add(new Source(f.toString(), f, false, isJson(f))));
      } catch (IOException | UncheckedIOException e) {
        errors.add(new InputError(p, 0, "cannot read directory: " + e.getMessage()));
      }
    } else if (Files.isRegularFile(path)) {
      out.add(new Source(p, path, false, isJson(path)));
    } else {
      errors.add(new InputError(p, 0, "no such file or directory"));
    }
  }

  private static boolean isManifest(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
  }

  private static boolean isJson(Path p) {
    return p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
  }

  /**
   * Documents waiting to be parsed, from one source or many (a directory of small files fills a
   * batch from many): parsed a batch at a time, in parallel (the mappers are thread-safe and
   * parsing is pure), and handed on in input order. Each source numbers its documents from 1.
   */
  private static final class Batch {
    private final Collected out;
    private final List<InputError> errors;
    private final List<Pending> docs = new ArrayList<>(PARSE_BATCH);
    private int chars;
    private int index; // documents of the current source so far

    private record Pending(String source, int index, Document doc, boolean json) {}

    Batch(Collected out, List<InputError> errors) {
      this.out = out;
      this.errors = errors;
    }

    /** The documents added next are a new source's, numbered from 1. */
    void start() {
      index = 0;
    }

    void add(String from, Document doc, boolean json) {
      docs.add(new Pending(from, ++index, doc, json));
      chars += doc.text().length();
      if (docs.size() >= PARSE_BATCH || chars >= PARSE_BATCH_CHARS) {
        flush();
      }
    }

    /** A whole source failed: reported after what came before it. */
    void error(InputError e) {
      flush();
      errors.add(e);
    }

    void flush() {
      if (docs.isEmpty()) {
        return;
      }
      List<Pending> batch = List.copyOf(docs);
      docs.clear();
      chars = 0;
      batch.parallelStream()
          .map(d -> parseDocument(d.source(), d.index(), d.doc(), d.json()))
          .toList()
          .forEach(p -> apply(p, out, errors));
    }
  }

  /**
   * What one document holds, in order: each is an {@link InputError}, a Service, a ConfigMap or a
   * {@link Read} workload.
   */
  private record Parsed(String source, int index, int line, List<Object> items) {}

  /** A workload as read, with the node it was mapped from. */
  private record Read(JsonNode node, HasMetadata workload) {}

  /** Hands what a document holds on, in order: errors, Services, ConfigMaps, workloads. */
  private static void apply(Parsed p, Collected out, List<InputError> errors) {
    for (Object item : p.items()) {
      if (item instanceof InputError e) {
        errors.add(e);
      } else if (item instanceof Service s) {
        out.services().add(s);
        out.workloads().context(s);
      } else if (item instanceof ConfigMap cm) {
        out.configMaps().add(cm);
        out.workloads().context(cm);
      } else if (item instanceof Read r) {
        try {
          out.workloads().accept(p.source(), p.index(), p.line(), r.node(), r.workload());
        } catch (IOException e) {
          throw new SinkException(e);
        }
      }
    }
  }

  /** Parses one document (pure: what it holds is returned, to be handed on in order). */
  private static Parsed parseDocument(String source, int index, Document doc, boolean json) {
    List<Object> errors = new ArrayList<>(1);
    Parsed parsed = new Parsed(source, index, doc.startLine(), errors);
    JsonNode node;
    try {
      node = (json ? JSON : YAML).readTree(doc.text());
    } catch (JsonProcessingException e) {
      errors.add(
          new InputError(
              source,
              index,
              "not valid " + (json ? "JSON" : "YAML") + ": " + describe(e, doc.offset())));
      return parsed;
    }
    if (node == null || node.isMissingNode() || node.isNull()) {
      return parsed; // an empty document
    }
    if (!node.isObject()) {
      errors.add(
          new InputError(
              source,
              index,
              "expected a Kubernetes object (a mapping), found "
                  + node.getNodeType().name().toLowerCase(Locale.ROOT)));
      return parsed;
    }
    collect(source, index, node, "", errors);
    return parsed;
  }

  /** Adds what {@code node} holds to {@code out}: a {@code kind: List}'s items in order. */
  private static void collect(
      String source, int index, JsonNode node, String where, List<Object> out) {
    String kind = node.path("kind").asText("");
    if (kind.equals("List") || (kind.endsWith("List") && node.path("items").isArray())) {
      JsonNode items = node.path("items");
      for (int k = 0; k < items.size(); k++) {
        JsonNode item = items.get(k);
        if (item != null && item.isObject()) {
          collect(source, index, item, where + "items[" + k + "].", out);
        }
      }
      return;
    }
    Class<? extends HasMetadata> type = KINDS.get(kind);
    if (type == null) {
      return; // other kinds are not audited
    }
    try {
      HasMetadata o = reader(type).readValue(node);
      if (o.getMetadata() == null
          || o.getMetadata().getName() == null
          || o.getMetadata().getName().isBlank()) {
        out.add(new InputError(source, index, where + "metadata.name: required"));
        return;
      }
      if (o instanceof Service || o instanceof ConfigMap) {
        out.add(o);
      } else if (!ownedByController(o)) {
        out.add(new Read(node, o));
      }
    } catch (JsonMappingException e) {
      out.add(new InputError(source, index, where + fieldPath(e) + ": " + mappingProblem(e)));
    } catch (IOException | IllegalArgumentException e) {
      out.add(new InputError(source, index, where + "invalid " + kind + ": " + e.getMessage()));
    }
  }

  /**
   * A ReplicaSet a Deployment controls, or a Pod a controller (ReplicaSet, Job, StatefulSet,
   * DaemonSet) controls, is audited through its owner: reporting it again would count it twice. So
   * is a Job a CronJob controls (what a live cluster holds after each schedule); a Job of any other
   * controller is audited as itself.
   */
  public static boolean ownedByController(HasMetadata o) {
    return Ownership.auditedThroughOwner(o);
  }

  /**
   * The JSON path of a mapping error: {@code
   * spec.template.spec.containers[0].ports[0].containerPort}.
   */
  static String fieldPath(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (!sb.isEmpty()) {
          sb.append('.');
        }
        sb.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.isEmpty() ? "(document)" : sb.toString();
  }

  private static String describe(JsonProcessingException e, int lineOffset) {
    // snakeyaml's own message repeats the snippet; its problem and mark say it plainly.
    if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException m
        && m.getProblemMark() != null) {
      return "line "
          + (m.getProblemMark().getLine() + 1 + lineOffset)
          + ", column "
          + (m.getProblemMark().getColumn() + 1)
          + ": "
          + m.getProblem();
    }
    String msg = e.getOriginalMessage() == null ? e.getMessage() : e.getOriginalMessage();
    msg = msg.replaceAll("\\s+", " ").trim();
    if (e.getLocation() != null && e.getLocation().getLineNr() > 0) {
      return "line " + (e.getLocation().getLineNr() + lineOffset) + ": " + msg;
    }
    return msg;
  }

  /** A mapping error in words: {@code expected an integer, found "abc"}. */
  static String mappingProblem(JsonMappingException e) {
    if (e instanceof com.fasterxml.jackson.databind.exc.InvalidFormatException f) {
      return "expected " + typeName(f.getTargetType()) + ", found \"" + f.getValue() + "\"";
    }
    if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m
        && m.getTargetType() != null) {
      return "expected " + typeName(m.getTargetType());
    }
    String msg =
        e.getOriginalMessage() == null ? String.valueOf(e.getMessage()) : e.getOriginalMessage();
    return msg.replaceAll("\\s*\\(class [^)]*\\)", "").replaceAll("\n.*", "");
  }

  private static String typeName(Class<?> type) {
    if (type == null) {
      return "another type";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "an integer";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (java.util.Collection.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (java.util.Map.class.isAssignableFrom(type)) {
      return "a mapping";
    }
    if (type.getName().equals("io.fabric8.kubernetes.api.model.Quantity")) {
      return "a quantity such as 512Mi";
    }
    if (type.getName().equals("io.fabric8.kubernetes.api.model.IntOrString")) {
      return "an integer or a string";
    }
    return "a " + type.getSimpleName() + " object";
  }

  /**
   * A YAML document's text.
   *
   * @param text the document
   * @param offset lines of the source before the document's first line (added to parser line
   *     numbers so errors point into the file)
   * @param startLine 1-based source line of the document's first content line
   */
  record Document(String text, int offset, int startLine) {}

  /** Splits a YAML stream at {@code ---} document markers (and {@code ...} ends). */
  static List<Document> splitDocuments(String text) {
    List<Document> docs = new ArrayList<>();
    try {
      splitDocuments(new java.io.StringReader(text), docs::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringReader does not fail
    }
    return docs;
  }

  /**
   * Splits a YAML stream at {@code ---} document markers (and {@code ...} ends) as it is read,
   * handing each document on before the next is read: only one document is held at a time. Lines
   * end at {@code \n} (a {@code \r} before it is dropped).
   */
  static void splitDocuments(Reader text, Consumer<Document> docs) throws IOException {
    LineReader lines = new LineReader(text);
    StringBuilder current = new StringBuilder();
    int offset = 0;
    int contentLine = -1;
    boolean sawMarker = false;
    boolean blank = true; // current holds only whitespace
    int i = -1;
    for (String line = lines.next(); line != null; line = lines.next()) {
      i++;
      boolean marker =
          line.startsWith("---") && (line.length() == 3 || Character.isWhitespace(line.charAt(3)));
      if (marker || line.equals("...")) {
        if (!blank || sawMarker) {
          docs.accept(
              new Document(current.toString(), offset, contentLine < 0 ? offset + 1 : contentLine));
        }
        sawMarker = marker;
        current.setLength(0);
        blank = true;
        offset = i + 1;
        contentLine = -1;
        if (marker && !line.substring(3).isBlank()) {
          current.append(line.substring(3)).append('\n'); // "--- {kind: ...}"
          blank = false;
          offset = i;
          contentLine = i + 1;
        }
        if (current.capacity() > 1 << 20) {
          current = new StringBuilder(); // do not keep a huge document's buffer
        }
        continue;
      }
      current.append(line).append('\n');
      blank = blank && line.isBlank();
      String t = line.trim();
      if (contentLine < 0 && !t.isEmpty() && !t.startsWith("#")) {
        contentLine = i + 1;
      }
    }
    if (!blank) {
      docs.accept(
          new Document(current.toString(), offset, contentLine < 0 ? offset + 1 : contentLine));
    }
  }

  /**
   * The lines of a stream as {@code text.split("\r?\n", -1)} gives them: the text after the last
   * {@code \n} is a line too, empty when the text ends with one.
   */
  private static final class LineReader {
    private final Reader in;
    private final char[] buf = new char[1 << 16];
    private int pos;
    private int len;
    private boolean eof;
    private final StringBuilder line = new StringBuilder();

    LineReader(Reader in) {
      this.in = in;
    }

    /** The next line, or null after the last. */
    String next() throws IOException {
      if (eof) {
        return null;
      }
      line.setLength(0);
      while (true) {
        if (pos == len) {
          len = in.read(buf, 0, buf.length);
          pos = 0;
          if (len < 0) {
            eof = true;
            len = 0;
            return line.toString();
          }
        }
        int start = pos;
        while (pos < len && buf[pos] != '\n') {
          pos++;
        }
        line.append(buf, start, pos - start);
        if (pos < len) {
          pos++; // the \n
          int n = line.length();
          if (n > 0 && line.charAt(n - 1) == '\r') {
            line.setLength(n - 1);
          }
          return line.toString();
        }
      }
    }
  }

  /** Reads a single YAML or JSON object from a file (for {@code --policy}). */
  public static JsonNode readSingle(Path path) throws IOException {
    String text = Files.readString(path, StandardCharsets.UTF_8);
    List<Document> docs = isJson(path) ? List.of(new Document(text, 0, 1)) : splitDocuments(text);
    List<JsonNode> nodes = new ArrayList<>();
    for (Document d : docs) {
      JsonNode n = (isJson(path) ? JSON : YAML).readTree(d.text());
      if (n != null && !n.isMissingNode() && !n.isNull()) {
        nodes.add(n);
      }
    }
    if (nodes.size() != 1) {
      throw new IOException("expected exactly one document, found " + nodes.size());
    }
    return nodes.get(0);
  }
}
