package io.pyhygiene.cli;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;

/** A report written to a string (tests, small runs) by its streaming renderer. */
final class Rendered {

  private Rendered() {}

  /** Writes a report to the writer it is given. */
  @FunctionalInterface
  interface Renderer {
    void render(Writer out) throws IOException;
  }

  static String text(Renderer renderer) {
    StringWriter out = new StringWriter();
    try {
      renderer.render(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }
}
