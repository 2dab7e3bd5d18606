package io.pyhygiene.workload.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.workload.Env;
import io.pyhygiene.workload.EnvVar;
import io.pyhygiene.workload.process.ServerOptions.Drain;
import io.pyhygiene.workload.shell.ShellLexer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServerOptionsTest {

  private static ServerOptions of(Env env, String... argv) {
    return ServerOptions.of(Launcher.recognize(List.of(argv)).orElseThrow(), env);
  }

  private static Env env(String... pairs) {
    List<EnvVar> vars = new ArrayList<>();
    for (int i = 0; i < pairs.length; i += 2) {
      vars.add(new EnvVar(pairs[i], pairs[i + 1], false));
    }
    return new Env(vars, false);
  }

  @ParameterizedTest
  @ValueSource(strings = {"-w 4", "-w4", "--workers 4", "--workers=4"})
  void gunicornWorkersInEverySpelling(String option) {
    List<String> argv = new ArrayList<>(List.of("gunicorn", "app:app"));
    argv.addAll(ShellLexer.splitWords(option));
    ServerOptions s = ServerOptions.of(Launcher.recognize(argv).orElseThrow(), Env.empty());
    assertThat(s.workers()).hasValue(4);
    assertThat(s.workersSource()).isEqualTo("--workers");
  }

  @Test
  void gunicornPrecedenceCommandLineThenCmdArgsThenWebConcurrency() {
    Env e = env("GUNICORN_CMD_ARGS", "--workers 16 --graceful-timeout 60", "WEB_CONCURRENCY", "9");
    assertThat(of(e, "gunicorn", "app:app", "-w", "2").workers()).hasValue(2);
    assertThat(of(e, "gunicorn", "app:app").workers()).hasValue(16);
    assertThat(of(e, "gunicorn", "app:app").workersSource()).isEqualTo("GUNICORN_CMD_ARGS");
    assertThat(of(env("WEB_CONCURRENCY", "9"), "gunicorn", "app:app").workers()).hasValue(9);
    assertThat(of(Env.empty(), "gunicorn", "app:app").workers()).hasValue(1);

    assertThat(of(e, "gunicorn", "app:app").drain())
        .isEqualTo(new Drain(Drain.Kind.BOUNDED, 60, "--graceful-timeout in GUNICORN_CMD_ARGS"));
    assertThat(of(e, "gunicorn", "--graceful-timeout=10", "app:app").drain().seconds())
        .isEqualTo(10);
    assertThat(of(Env.empty(), "gunicorn", "app:app").drain().seconds()).isEqualTo(30);
  }

  @Test
  void lastOccurrenceWinsAndReferencesResolve() {
    assertThat(of(Env.empty(), "gunicorn", "-w", "2", "-w", "5", "app").workers()).hasValue(5);
    assertThat(of(env("WORKERS", "7"), "gunicorn", "--workers", "$(WORKERS)", "app").workers())
        .hasValue(7);
    assertThat(of(Env.empty(), "gunicorn", "--workers", "$(WORKERS)", "app").workers()).isEmpty();
  }

  @Test
  void uvicornDrainIsUnboundedWithoutTheFlag() {
    assertThat(of(Env.empty(), "uvicorn", "app:app").drain().kind())
        .isEqualTo(Drain.Kind.UNBOUNDED);
    assertThat(
            of(Env.empty(), "uvicorn", "app:app", "--timeout-graceful-shutdown", "20")
                .drain()
                .seconds())
        .isEqualTo(20);
    assertThat(of(env("WEB_CONCURRENCY", "3"), "uvicorn", "app:app").workers()).hasValue(3);
    assertThat(of(Env.empty(), "uvicorn", "app:app", "--reload").reload()).isTrue();
  }

  @Test
  void hypercornCeleryGranianFlask() {
    assertThat(of(Env.empty(), "hypercorn", "app:app").drain().seconds()).isEqualTo(3);
    assertThat(
            of(Env.empty(), "hypercorn", "-w", "3", "--graceful-timeout", "9", "app:app")
                .drain()
                .seconds())
        .isEqualTo(9);
    assertThat(of(Env.empty(), "celery", "-A", "p", "worker", "-c", "8").workers()).hasValue(8);
    assertThat(of(Env.empty(), "celery", "-A", "p", "worker", "--concurrency=3").workers())
        .hasValue(3);
    assertThat(of(Env.empty(), "celery", "-A", "p", "worker").workers()).isEmpty();
    assertThat(of(Env.empty(), "granian", "--workers", "4", "app:app").workers()).hasValue(4);
    assertThat(of(Env.empty(), "flask", "run", "--debug").reload()).isTrue();
    assertThat(of(Env.empty(), "python", "worker.py").drain().kind()).isEqualTo(Drain.Kind.NONE);
  }
}
