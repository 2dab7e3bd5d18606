package io.pyhygiene.cli;

import static io.pyhygiene.cli.Spool.readString;
import static io.pyhygiene.cli.Spool.writeString;

import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.engine.Verdict;
import io.pyhygiene.engine.WorkloadAudit;
import io.pyhygiene.workload.ImageFacts;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Audited workloads written to a {@link Spool} as they are audited, then read back by the report: a
 * large input's results are never all in memory. An image's facts are not written: they are looked
 * up again, by reference, in the facts the run resolved.
 */
final class AuditSpool implements Closeable {

  private final Spool spool;
  private final AuditRun.Tally tally = new AuditRun.Tally();

  AuditSpool() throws IOException {
    this.spool = Spool.create("audits");
  }

  void add(AuditRun.Audited w) throws IOException {
    tally.add(w);
    DataOutputStream out = spool.out();
    writeString(out, w.source());
    out.writeInt(w.document());
    out.writeInt(w.line());
    WorkloadAudit a = w.audit();
    writeString(out, a.kind());
    writeString(out, a.namespace());
    writeString(out, a.name());
    out.writeBoolean(a.python());
    out.writeByte(a.verdict().ordinal());
    out.writeInt(a.findings().size());
    for (Finding f : a.findings()) {
      writeString(out, f.rule());
      out.writeByte(f.severity().ordinal());
      writeString(out, f.container());
      writeString(out, f.message());
      writeString(out, f.fix());
      writeString(out, f.assumption());
    }
    out.writeInt(a.exemptedRules().size());
    for (String r : a.exemptedRules()) {
      writeString(out, r);
    }
    out.writeInt(w.images().size());
    for (AuditRun.Image i : w.images()) {
      writeString(out, i.container());
      writeString(out, i.image());
    }
  }

  /**
   * Ends writing; the workloads as a report reads them (each iteration reads the spool again).
   *
   * @param facts the image facts of the run, by reference (empty without resolution)
   */
  AuditRun.Audits finish(Map<String, ImageFacts> facts) throws IOException {
    spool.finish();
    long size = tally.size();
    return new AuditRun.Audits(tally) {
      @Override
      public Iterator<AuditRun.Audited> iterator() {
        DataInputStream in;
        try {
          in = spool.read();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return new Iterator<>() {
          private long read;

          @Override
          public boolean hasNext() {
            if (read < size) {
              return true;
            }
            close(in);
            return false;
          }

          @Override
          public AuditRun.Audited next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            read++;
            try {
              return readAudited(in, facts);
            } catch (IOException e) {
              close(in);
              throw new UncheckedIOException(e);
            }
          }
        };
      }
    };
  }

  private static void close(DataInputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // nothing left to read from it
    }
  }

  private static final Verdict[] VERDICTS = Verdict.values();
  private static final Severity[] SEVERITIES = Severity.values();

  private static AuditRun.Audited readAudited(DataInputStream in, Map<String, ImageFacts> facts)
      throws IOException {
    String source = readString(in);
    int document = in.readInt();
    int line = in.readInt();
    String kind = readString(in);
    String namespace = readString(in);
    String name = readString(in);
    boolean python = in.readBoolean();
    Verdict verdict = VERDICTS[in.readByte()];
    int n = in.readInt();
    List<Finding> findings = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String rule = readString(in);
      Severity severity = SEVERITIES[in.readByte()];
      String container = readString(in);
      String message = readString(in);
      String fix = readString(in);
      String assumption = readString(in);
      findings.add(new Finding(rule, severity, container, message, fix, assumption));
    }
    n = in.readInt();
    List<String> exempted = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      exempted.add(readString(in));
    }
    n = in.readInt();
    List<AuditRun.Image> images = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String container = readString(in);
      String image = readString(in);
      images.add(
          new AuditRun.Image(
              container, image, facts.getOrDefault(image, ImageFacts.NOT_REQUESTED)));
    }
    WorkloadAudit audit =
        new WorkloadAudit(
            kind, namespace, name, python, verdict, List.copyOf(findings), List.copyOf(exempted));
    return new AuditRun.Audited(source, document, line, audit, images);
  }

  @Override
  public void close() throws IOException {
    spool.close();
  }
}
