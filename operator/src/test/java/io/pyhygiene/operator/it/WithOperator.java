package io.pyhygiene.operator.it;

import io.pyhygiene.testkit.RealCluster;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An IT class that runs one in-process operator, with default settings, on the real control plane
 * for all its tests (classes that need other settings start their own harness).
 */
abstract class WithOperator {

  @RegisterExtension static final RealCluster cluster = new RealCluster();
  static OperatorHarness op;
  static Fixtures fx;

  @BeforeAll
  static void startOperator() throws Exception {
    fx = new Fixtures(cluster);
    op = OperatorHarness.start(cluster.client(), Map.of());
  }

  @AfterAll
  static void stopOperator() {
    if (op != null) {
      op.close();
      op = null;
    }
  }
}
