package io.pyhygiene.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pure core, thin edges: {@code workload}, {@code rules}, {@code engine} and {@code ssa} use no
 * Kubernetes client, no JOSDK, no I/O, no wall clock and no mutable static state (fabric8 model
 * classes are allowed: they are plain data).
 */
class ArchitectureTest {

  private static final String[] CORE = {"io.pyhygiene.workload..", "io.pyhygiene.rules..",
      "io.pyhygiene.engine..", "io.pyhygiene.ssa.."};

  static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.pyhygiene");
  }

  @Test
  void coreUsesNoClientNoOperatorFrameworkNoIo() {
    ArchRule rule = noClasses().that().resideInAnyPackage(CORE)
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.fabric8.kubernetes.client..", "io.javaoperatorsdk..", "java.io..", "java.nio.file..",
            "java.net..", "io.micrometer..", "org.slf4j..", "ch.qos.logback..",
            "io.pyhygiene.cli..", "io.pyhygiene.api..", "io.pyhygiene.operator.reconciler..",
            "io.pyhygiene.operator.webhook..", "io.pyhygiene.operator.report..", "io.pyhygiene.operator.metrics..")
        .because("the engine is pure: edges translate and do I/O");
    rule.check(classes);
  }

  @Test
  void coreReadsTimeOnlyFromTheInjectedClock() {
    noClasses().that().resideInAnyPackage(CORE)
        .should().callMethod(java.time.LocalDate.class, "now")
        .orShould().callMethod(java.time.Instant.class, "now")
        .orShould().callMethod(System.class, "currentTimeMillis")
        .orShould().callMethod(java.time.Clock.class, "systemUTC")
        .orShould().callMethod(java.time.Clock.class, "systemDefaultZone")
        .check(classes);
  }

  @Test
  void coreHasNoMutableStaticState() {
    fields().that().areDeclaredInClassesThat().resideInAnyPackage(CORE)
        .and().areStatic()
        .should().beFinal()
        .check(classes);
  }

  @Test
  void rulesDoNotDependOnEachOther() {
    noClasses().that().resideInAPackage("io.pyhygiene.rules.signals..")
        .should().dependOnClassesThat().resideInAnyPackage("io.pyhygiene.rules.security..",
            "io.pyhygiene.rules.resources..", "io.pyhygiene.rules.shutdown..",
            "io.pyhygiene.rules.runtime..")
        .check(classes);
  }
}
