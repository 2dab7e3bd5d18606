package io.pyhygiene.workload.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LauncherTest {

  private static Launcher launcher(String... argv) {
    return Launcher.recognize(List.of(argv)).orElseThrow();
  }

  @Test
  void interpreterVersionsAndPaths() {
    assertThat(launcher("python", "app.py").kind()).isEqualTo(LauncherKind.PYTHON);
    assertThat(launcher("python3", "app.py").script()).isEqualTo("app.py");
    assertThat(launcher("/usr/local/bin/python3.12", "-u", "app.py").describe())
        .isEqualTo("python3.12 app.py");
    assertThat(launcher("python3.12", "-u", "worker.py").unbufferedFlag()).isTrue();
    assertThat(launcher("python3", "-OuB", "worker.py").unbufferedFlag()).isTrue();
    assertThat(launcher("python3", "-X", "utf8", "worker.py").unbufferedFlag()).isFalse();
    assertThat(launcher("python3", "-X", "utf8", "worker.py").script()).isEqualTo("worker.py");
    assertThat(launcher("python3", "-W", "ignore", "-c", "print(1)").script()).isEqualTo("-c");
    assertThat(Launcher.recognize(List.of("pythonista", "x"))).isEmpty();
    assertThat(Launcher.recognize(List.of("node", "app.js"))).isEmpty();
  }

  @Test
  void modulesAndServerModules() {
    Launcher mod = launcher("python", "-m", "mypkg.worker", "--queue", "a");
    assertThat(mod.kind()).isEqualTo(LauncherKind.PYTHON);
    assertThat(mod.module()).isEqualTo("mypkg.worker");
    assertThat(mod.args()).containsExactly("--queue", "a");
    Launcher gunicorn = launcher("python3", "-um", "gunicorn", "app:app", "-w", "3");
    assertThat(gunicorn.kind()).isEqualTo(LauncherKind.GUNICORN);
    assertThat(gunicorn.unbufferedFlag()).isTrue();
    assertThat(gunicorn.args()).containsExactly("app:app", "-w", "3");
    assertThat(launcher("python", "-mcelery", "-A", "x", "worker").kind())
        .isEqualTo(LauncherKind.CELERY);
  }

  @Test
  void serverExecutables() {
    for (LauncherKind k : LauncherKind.values()) {
      if (k != LauncherKind.PYTHON) {
        assertThat(launcher("/opt/venv/bin/" + k.program(), "x").kind()).isEqualTo(k);
      }
    }
    assertThat(LauncherKind.FLASK.handlesSignals()).isFalse();
    assertThat(LauncherKind.GUNICORN.handlesSignals()).isTrue();
  }
}
