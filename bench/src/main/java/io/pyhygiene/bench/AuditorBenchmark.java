package io.pyhygiene.bench;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.engine.WorkloadAudit;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.workload.WorkloadView;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Cost of one audit (view + every rule), the work behind each reconcile and admission request. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AuditorBenchmark {

  private Auditor auditor;
  private Deployment bad;
  private Deployment good;

  @Setup
  public void setUp() {
    auditor = new Auditor(RuleCatalog.all(), Clock.systemUTC());
    bad = Samples.parse(Samples.BAD);
    good = Samples.parse(Samples.GOOD);
  }

  @Benchmark
  public WorkloadAudit auditFailingDeployment() {
    return auditor.audit(WorkloadView.of(bad), AuditPolicy.defaults());
  }

  @Benchmark
  public WorkloadAudit auditPassingDeployment() {
    return auditor.audit(WorkloadView.of(good), AuditPolicy.defaults());
  }
}
