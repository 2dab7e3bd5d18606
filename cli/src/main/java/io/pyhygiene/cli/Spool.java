package io.pyhygiene.cli;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A temporary file (under {@code java.io.tmpdir}) written once and then read back as often as
 * needed: what the CLI would otherwise keep in memory for every workload of a large input. Deleted
 * on {@link #close()} (and at JVM exit, should close not be reached).
 */
final class Spool implements Closeable {

  /** Strings go in pieces short enough for {@link DataOutputStream#writeUTF}'s 64 KiB limit. */
  private static final int CHUNK = 16 * 1024;

  private final Path file;
  private DataOutputStream out;

  private Spool(Path file) throws IOException {
    this.file = file;
    this.out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
  }

  /** A new, empty spool; {@code what} names its file. */
  static Spool create(String what) throws IOException {
    Path file = Files.createTempFile("pyhygiene-" + what + "-", ".spool");
    file.toFile().deleteOnExit();
    return new Spool(file);
  }

  /** Where to write (until {@link #finish()}). */
  DataOutputStream out() {
    if (out == null) {
      throw new IllegalStateException("spool already finished");
    }
    return out;
  }

  /** Ends writing: from now on the spool is only read. */
  void finish() throws IOException {
    if (out != null) {
      out.close();
      out = null;
    }
  }

  /** A new reader from the start (after {@link #finish()}); the caller closes it. */
  DataInputStream read() throws IOException {
    if (out != null) {
      throw new IllegalStateException("spool still being written");
    }
    return new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
  }

  @Override
  public void close() throws IOException {
    try {
      finish();
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** Writes any string (any length, lone surrogates included) for {@link #readString}. */
  static void writeString(DataOutputStream out, String s) throws IOException {
    out.writeInt(s.length());
    for (int i = 0; i < s.length(); i += CHUNK) {
      out.writeUTF(s.substring(i, Math.min(s.length(), i + CHUNK)));
    }
  }

  static String readString(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length == 0) {
      return "";
    }
    if (length <= CHUNK) {
      return in.readUTF();
    }
    StringBuilder sb = new StringBuilder(length);
    while (sb.length() < length) {
      sb.append(in.readUTF());
    }
    return sb.toString();
  }
}
