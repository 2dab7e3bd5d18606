package io.pyhygiene.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The CLI starts from a class-data archive (scripts/cds.sh); the JVM leaves out of it any class
 * older than Java 6 (class file version 50). picocli's published jar is Java 5, so the build
 * compiles picocli from source (picocli/pom.xml): this fails if the old jar comes back.
 */
class ArchivableClassesTest {

  @Test
  void picocliIsBuiltForJava17() throws IOException {
    for (Class<?> type :
        new Class<?>[] {
          CommandLine.class, CommandLine.Help.class, CommandLine.Model.CommandSpec.class
        }) {
      String file = type.getName().substring(type.getPackageName().length() + 1) + ".class";
      try (InputStream in = type.getResourceAsStream(file)) {
        assertThat(in).as(file).isNotNull();
        DataInputStream data = new DataInputStream(in);
        assertThat(data.readInt()).isEqualTo(0xCAFEBABE);
        data.readUnsignedShort(); // minor version
        assertThat(data.readUnsignedShort())
            .as(type.getName() + " class file version")
            .isEqualTo(61);
      }
    }
  }
}
