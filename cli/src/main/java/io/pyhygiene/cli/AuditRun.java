package io.pyhygiene.cli;

import io.pyhygiene.engine.Severity;
import io.pyhygiene.engine.Verdict;
import io.pyhygiene.engine.WorkloadAudit;
import io.pyhygiene.workload.ImageFacts;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of {@code pyhygiene audit}: each audited workload with where it came from, and what
 * could not be read (documents of the input files, or namespaces and kinds of the cluster).
 *
 * @param workloads the audited workloads, in input (or listing) order: held in memory, or read back
 *     from a spool for a large input
 * @param errors documents or paths that could not be read
 * @param readErrors what a cluster scan could not list
 * @param imagesRequested whether {@code --resolve-images} was on (reports then show digests)
 */
public record AuditRun(
    Audits workloads,
    List<ManifestLoader.InputError> errors,
    List<ReadError> readErrors,
    boolean imagesRequested) {

  public AuditRun {
    errors = List.copyOf(errors);
    readErrors = List.copyOf(readErrors);
  }

  public AuditRun(
      List<Audited> workloads,
      List<ManifestLoader.InputError> errors,
      List<ReadError> readErrors,
      boolean imagesRequested) {
    this(Audits.of(workloads), errors, readErrors, imagesRequested);
  }

  public AuditRun(List<Audited> workloads, List<ManifestLoader.InputError> errors) {
    this(workloads, errors, List.of(), false);
  }

  /**
   * The audited workloads, iterable as often as a report needs (a table measures its columns
   * first), with the counts a summary needs kept as they were added: a report never has to hold
   * them all.
   */
  public abstract static class Audits implements Iterable<Audited> {
    private final Tally tally;

    protected Audits(Tally tally) {
      this.tally = tally;
    }

    /** Workloads held in memory. */
    public static Audits of(List<Audited> workloads) {
      List<Audited> copy = List.copyOf(workloads);
      Tally tally = new Tally();
      copy.forEach(tally::add);
      return new Audits(tally) {
        @Override
        public java.util.Iterator<Audited> iterator() {
          return copy.iterator();
        }
      };
    }

    public long size() {
      return tally.size;
    }

    public boolean isEmpty() {
      return tally.size == 0;
    }

    long count(Verdict verdict) {
      return tally.verdicts[verdict.ordinal()];
    }

    long python() {
      return tally.python;
    }

    boolean anyAtLeast(Severity threshold) {
      return tally.severities.stream().anyMatch(s -> s.atLeast(threshold));
    }
  }

  /** What a summary needs of the workloads, counted as they are added. */
  public static final class Tally {
    private long size;
    private long python;
    private final long[] verdicts = new long[Verdict.values().length];
    private final java.util.EnumSet<Severity> severities = java.util.EnumSet.noneOf(Severity.class);

    public long size() {
      return size;
    }

    public void add(Audited w) {
      size++;
      verdicts[w.audit().verdict().ordinal()]++;
      if (w.audit().python()) {
        python++;
      }
      w.audit().findings().forEach(f -> severities.add(f.severity()));
    }
  }

  /**
   * One audited workload.
   *
   * @param source the file it came from, or {@code ""} for an object read from a cluster
   * @param document its document index in the file (0 for a cluster object)
   * @param line the line its document starts on (0 for a cluster object)
   * @param audit the engine's result
   * @param images each audited container's image and what resolution learnt of it
   */
  public record Audited(
      String source, int document, int line, WorkloadAudit audit, List<Image> images) {

    public Audited {
      images = List.copyOf(images);
    }

    public Audited(String source, int document, int line, WorkloadAudit audit) {
      this(source, document, line, audit, List.of());
    }

    /** The image facts of a container, if it is one of the workload's. */
    public Optional<Image> image(String container) {
      return images.stream().filter(i -> i.container().equals(container)).findFirst();
    }

    /** Whether the workload came from a file (and so has a line to point at). */
    public boolean fromFile() {
      return !source.isEmpty();
    }
  }

  /**
   * A container's image and what image resolution made of it.
   *
   * @param container the container's name
   * @param image the reference as written
   * @param facts resolved (with the digest used), unresolved (with why) or not requested
   */
  public record Image(String container, String image, ImageFacts facts) {

    /** The digest the verdicts used, when the config was read. */
    public Optional<String> digest() {
      return facts.config().map(ImageFacts.Config::digest).filter(d -> !d.isEmpty());
    }
  }

  /**
   * Part of a cluster that could not be listed.
   *
   * @param namespace the namespace, or {@code ""} for a cluster-wide list
   * @param resources the resources that could not be listed there ({@code deployments}, ...)
   * @param status the HTTP status the API server answered (403), or 0 when it did not answer
   * @param message what happened and what it means for the audit
   */
  public record ReadError(String namespace, List<String> resources, int status, String message) {
    public ReadError {
      resources = List.copyOf(resources);
    }

    /** One line: {@code namespace team-b: cannot list deployments, pods (403 Forbidden): ...}. */
    public String describe() {
      return (namespace.isEmpty() ? "all namespaces" : "namespace " + namespace) + ": " + message;
    }
  }

  /**
   * The read errors for people: namespaces that failed the same way on one line ({@code namespaces
   * a, b, c: cannot list ...}), as a user allowed a few namespaces of many would otherwise get a
   * line for each of the others. Every namespace is named.
   */
  public List<String> readErrorLines() {
    java.util.Map<String, List<String>> byMessage = new java.util.LinkedHashMap<>();
    for (ReadError e : readErrors) {
      byMessage.computeIfAbsent(e.message(), k -> new java.util.ArrayList<>()).add(e.namespace());
    }
    List<String> lines = new java.util.ArrayList<>();
    byMessage.forEach(
        (message, namespaces) -> {
          List<String> named = namespaces.stream().filter(n -> !n.isEmpty()).toList();
          if (named.size() < namespaces.size()) {
            lines.add("all namespaces: " + message);
          }
          if (named.size() == 1) {
            lines.add("namespace " + named.get(0) + ": " + message);
          } else if (named.size() > 1) {
            lines.add("namespaces " + String.join(", ", named) + ": " + message);
          }
        });
    return lines;
  }

  public long count(Verdict verdict) {
    return workloads.count(verdict);
  }

  public long python() {
    return workloads.python();
  }

  /** Whether something could not be read (exit code 2). */
  public boolean incomplete() {
    return !errors.isEmpty() || !readErrors.isEmpty();
  }

  /** Whether any finding is at or above the threshold ({@code null} threshold: never). */
  public boolean anyAtLeast(Severity threshold) {
    return threshold != null && workloads.anyAtLeast(threshold);
  }

  /** Namespace as kubectl would apply it with the default context. */
  public static String namespaceOf(WorkloadAudit a) {
    return a.namespace().isEmpty() ? "default" : a.namespace();
  }
}
