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
 * Pure core: {@code workload}, {@code rules}, {@code engine}, {@code policy} and {@code ssa} use no
 * Kubernetes client, no JOSDK, no I/O, no wall clock and no mutable static state (fabric8 model
 * classes are allowed: they are plain data). The core module has no client implementation, JOSDK,
 * Micrometer or logging on its classpath at all; these rules keep the client API's classes and the
 * JDK's I/O out too.
 */
class ArchitectureTest {

  private static final String[] CORE = {
    "io.pyhygiene.workload..",
    "io.pyhygiene.rules..",
    "io.pyhygiene.engine..",
    "io.pyhygiene.policy..",
    "io.pyhygiene.ssa.."
  };

  static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.pyhygiene");
  }

  @Test
  void coreUsesNoClientNoOperatorFrameworkNoIo() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAnyPackage(CORE)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "io.fabric8.kubernetes.client..",
                "io.javaoperatorsdk..",
                "java.io..",
                "java.nio.file..",
                "java.net..",
                "io.pyhygiene.generate..")
            .because("the engine is pure: edges translate and do I/O");
    rule.check(classes);
  }

  @Test
  void coreReadsTimeOnlyFromTheInjectedClock() {
    noClasses()
        .that()
        .resideInAnyPackage(CORE)
        .should()
        .callMethod(java.time.LocalDate.class, "now")
        .orShould()
        .callMethod(java.time.Instant.class, "now")
        .orShould()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(java.time.Clock.class, "systemUTC")
        .orShould()
        .callMethod(java.time.Clock.class, "systemDefaultZone")
        .check(classes);
  }

  @Test
  void coreHasNoMutableStaticState() {
    fields()
        .that()
        .areDeclaredInClassesThat()
        .resideInAnyPackage(CORE)
        .and()
        .areStatic()
        .should()
        .beFinal()
        .check(classes);
  }

  @Test
  void onlyPolicyResolutionReadsTheCrdClasses() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.pyhygiene.workload..",
            "io.pyhygiene.rules..",
            "io.pyhygiene.engine..",
            "io.pyhygiene.ssa..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.pyhygiene.api..")
        .because("rules see a resolved AuditPolicy, never the CRD's spec")
        .check(classes);
  }

  @Test
  void rulesReadTheManifestAndNeverChangeIt() {
    noClasses()
        .that()
        .resideInAnyPackage("io.pyhygiene.rules..", "io.pyhygiene.workload..")
        .should()
        .callMethodWhere(
            com.tngtech.archunit.base.DescribedPredicate.describe(
                "a setter or editor of a fabric8 model object",
                call ->
                    call.getTargetOwner()
                            .getPackageName()
                            .startsWith("io.fabric8.kubernetes.api.model")
                        && call.getName().matches("(set|add|remove|edit|with)[A-Z].*")))
        .because("fixes go through TemplateEdits; the views are shared and read-only")
        .check(classes);
  }

  @Test
  void rulesDoNotDependOnEachOther() {
    noClasses()
        .that()
        .resideInAPackage("io.pyhygiene.rules.signals..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.pyhygiene.rules.security..",
            "io.pyhygiene.rules.resources..",
            "io.pyhygiene.rules.shutdown..",
            "io.pyhygiene.rules.runtime..")
        .check(classes);
  }
}
