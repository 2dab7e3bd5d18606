package io.pyhygiene.rules.resources;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.MemoryQuantity;
import io.pyhygiene.workload.WorkloadView;
import io.pyhygiene.workload.process.ServerOptions;
import java.util.Optional;

/** Worker processes times per-worker memory exceed the memory limit. */
public final class WorkerMemoryRule extends ContainerRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "worker-memory",
          Severity.WARNING,
          Category.RESOURCES,
          "More worker processes than the memory limit can hold",
          "Each gunicorn/uvicorn worker or celery pool process is a full Python interpreter with its"
              + " own copy of the app. Workers x per-worker memory (the policy's `memory.perWorker`,"
              + " default 128Mi) above the limit means OOM kills under load, typically right after a"
              + " deploy when every worker warms up.",
          "Lower the worker count (`--workers`, `WEB_CONCURRENCY`, celery `--concurrency`) or raise"
              + " `resources.limits.memory` to at least workers x per-worker memory.",
          """
      # fails: 8 x 128Mi = 1Gi > 512Mi
      command: ["gunicorn", "-w", "8", "app:app"]
      limits: {memory: 512Mi}
      # passes
      command: ["gunicorn", "-w", "3", "app:app"]
      limits: {memory: 512Mi}
      """);

  @Override
  public String withImage() {
    return "Worker counts in the image's CMD, and `WEB_CONCURRENCY` / `GUNICORN_CMD_ARGS` in its"
        + " ENV, count; the pod's env overrides the image's.";
  }

  @Override
  public RuleInfo info() {
    return INFO;
  }

  @Override
  protected Scope scope() {
    return Scope.PYTHON_CONTAINERS;
  }

  @Override
  protected Optional<Finding> check(ContainerView c, WorkloadView w, RuleContext ctx) {
    ServerOptions s = c.server();
    Optional<MemoryQuantity> limit = c.memoryLimit();
    if (s.workers().isEmpty() || limit.isEmpty() || limit.get().bytes().isEmpty()) {
      return Optional.empty();
    }
    int workers = s.workers().getAsInt();
    long perWorker = ctx.policy().memoryPerWorkerBytes();
    long needed = Math.multiplyHigh(workers, perWorker) != 0 ? Long.MAX_VALUE : workers * perWorker;
    if (needed <= limit.get().bytes().getAsLong()) {
      return Optional.empty();
    }
    String program = c.process().app().map(a -> a.kind().program()).orElse("the server");
    return Optional.of(
        finding(
            c.name(),
            program
                + " runs "
                + workers
                + " worker"
                + (workers == 1 ? "" : "s")
                + " ("
                + s.workersSource()
                + ") x "
                + MemoryQuantity.format(perWorker)
                + " per worker = "
                + MemoryQuantity.format(needed)
                + ", above the "
                + limit.get().raw()
                + " memory limit."));
  }
}
