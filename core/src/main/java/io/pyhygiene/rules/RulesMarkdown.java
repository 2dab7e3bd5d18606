package io.pyhygiene.rules;

import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.workload.WorkloadKind;
import io.pyhygiene.workload.process.LauncherKind;
import io.pyhygiene.workload.process.Programs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The rule catalogue as Markdown: the source of {@code docs/rules.md}. Everything that can drift is
 * read from the code: the rules, the kinds each applies to and why, what image resolution adds, and
 * the program lists behind recognition and the wrappers seen through.
 */
public final class RulesMarkdown {

  private RulesMarkdown() {}

  public static String render(List<Rule> rules) {
    StringBuilder md = new StringBuilder();
    md.append("# pyhygiene rules\n\n")
        .append(
            "<!-- Generated from the rule catalogue by `pyhygiene rules -o markdown`; the build"
                + " rewrites this file and CI fails when it drifts. Do not edit by hand. -->\n\n")
        .append(
            "Rule ids are a public contract: they never change. Severity decides the"
                + " verdict: `fail` on any error, `warn` on any warning, else `pass`. Policies can"
                + " switch rules off or change their severity (`spec.rules`), and a workload can"
                + " waive rules with the annotation `pyhygiene.io/exempt: \"rule-a,rule-b\"` plus"
                + " `pyhygiene.io/exempt-reason`.\n\n")
        .append(
            "Contents: [the rules](#the-rules) · [which containers are Python]"
                + "(#which-containers-are-python) · [wrappers and what is assumed]"
                + "(#wrappers-and-what-is-assumed) · [serving](#serving) · [image resolution]"
                + "(#image-resolution) · [rules and workload kinds](#rules-and-workload-kinds) · one"
                + " section per rule.\n\n")
        .append("## The rules\n\n")
        .append("| id | severity | category | auto-fix | containers | what it catches |\n")
        .append("|---|---|---|---|---|---|\n");
    for (Rule r : rules) {
      RuleInfo i = r.info();
      md.append("| [`")
          .append(i.id())
          .append("`](#")
          .append(i.id())
          .append(") | ")
          .append(i.severity().label())
          .append(" | ")
          .append(i.category().label())
          .append(" | ")
          .append(r.autoFixable() ? "yes" : "no")
          .append(" | ")
          .append(scope(r))
          .append(" | ")
          .append(i.title())
          .append(" |\n");
    }
    md.append(
        "\n\"Python\" rules look only at the containers detected as Python; \"all\" rules"
            + " look at every container of a workload detected as Python; \"workload\" rules look"
            + " at the workload as a whole.\n");
    recognition(md);
    wrappers(md);
    serving(md);
    imageResolution(md, rules);
    kindMatrix(md, rules);
    for (Rule r : rules) {
      RuleInfo i = r.info();
      md.append("\n## ")
          .append(i.id())
          .append("\n\n")
          .append("**")
          .append(i.title())
          .append(".** Severity `")
          .append(i.severity().label())
          .append("`, category `")
          .append(i.category().label())
          .append("`, ")
          .append(
              r.autoFixable() ? "auto-fixable by the operator's remediation." : "not auto-fixable.")
          .append("\n\n")
          .append("**Why it matters.** ")
          .append(i.why())
          .append("\n\n")
          .append("**How to fix.** ")
          .append(i.fix())
          .append("\n\n")
          .append("**Applies to.** ")
          .append(appliesTo(r))
          .append("\n\n");
      if (!r.withImage().isEmpty()) {
        md.append("**With image resolution.** ").append(r.withImage()).append("\n\n");
      }
      md.append("**Example.**\n\n```yaml\n").append(i.example().stripTrailing()).append("\n```\n");
    }
    return md.toString();
  }

  private static String scope(Rule r) {
    if (r instanceof ContainerRule c) {
      return c.pythonContainersOnly() ? "Python" : "all";
    }
    return "workload";
  }

  private static String appliesTo(Rule r) {
    String containers =
        switch (scope(r)) {
          case "Python" -> "Containers detected as Python";
          case "all" -> "Every container of a workload detected as Python";
          default -> "The workload as a whole";
        };
    if (r.kinds().containsAll(Rule.ALL_KINDS)) {
      return containers + ", in every workload kind.";
    }
    String kinds =
        Arrays.stream(WorkloadKind.values())
            .filter(r.kinds()::contains)
            .map(WorkloadKind::kind)
            .collect(Collectors.joining(", "));
    return containers + ", in " + kinds + " only: " + r.kindsReason() + ".";
  }

  private static void recognition(StringBuilder md) {
    List<String> programs =
        new ArrayList<>(List.of("`python`", "`python3`", "`python3.N`", "`pypy3`", "`manage.py`"));
    for (LauncherKind k : LauncherKind.values()) {
      k.names().forEach(n -> programs.add("`" + n + "`"));
    }
    md.append("\n## Which containers are Python\n\n")
        .append(
            "A workload is audited when one of its containers is detected as Python, or when"
                + " it carries the label `pyhygiene.io/runtime: python` (any other value opts it"
                + " out; with `detection: LabelOnly` only the label counts). A container is Python"
                + " when:\n\n")
        .append(
            "1. **its command line runs a Python program**, read through the wrappers below,"
                + " inside `sh -c` scripts, and in `args` behind a wrapper in `command`: ")
        .append(String.join(", ", programs))
        .append(" (as a command, or as `python -m <module>`). Otherwise,\n")
        .append(
            "2. **it is not Python when every program its command line runs is known and none"
                + " is Python** (an nginx sidecar that carries `PYTHONUNBUFFERED`, a `find`/`sleep`"
                + " clean-up loop in a `python:` image, `node` in a python-nodejs image), or its"
                + " image is a well-known non-Python image (nginx, redis, postgres, ...). Known"
                + " non-Python programs: ")
        .append(
            Programs.notPython().stream().map(p -> "`" + p + "`").collect(Collectors.joining(", ")))
        .append(", plus shell utilities and builtins. Otherwise,\n")
        .append(
            "3. **the image or the env says Python**: the image repository contains"
                + " `python`, or its tag names a Python version (`2.8.4-python3.9`, `py3.11`,"
                + " `python3.11-slim`); with image resolution, the image's ENV sets `PYTHON_VERSION`;"
                + " or the env has a name only Python programs read (`PYTHON*`, `GUNICORN_*`,"
                + " `UVICORN_*`, `CELERY_*`, `DJANGO_SETTINGS_MODULE`, `FLASK_APP`).\n\n")
        .append(
            "Rules marked \"Python\" in the table look only at such containers; the others"
                + " look at every container of the workload. A workload tagged with the label whose"
                + " containers show nothing Python has all its containers treated as Python.\n\n")
        .append(
            "What each known program does with SIGTERM when it is PID 1 decides"
                + " `python-pid1` and `uwsgi-reload-on-sigterm`:\n\n")
        .append("| program | on SIGTERM as PID 1 |\n|---|---|\n");
    for (LauncherKind k : LauncherKind.values()) {
      String names =
          k.names().isEmpty()
              ? "`python` running a script, `-m` module or `-c`"
              : k.names().stream().map(n -> "`" + n + "`").collect(Collectors.joining(", "));
      String does =
          switch (k.sigterm()) {
            case HANDLES -> "installs a handler and shuts down";
            case NO_HANDLER -> "no handler: ignored as PID 1 (`python-pid1`)";
            case RELOADS -> "reloads unless `--die-on-term` (`uwsgi-reload-on-sigterm`)";
          };
      md.append("| ").append(names).append(" | ").append(does).append(" |\n");
    }
    md.append(
        "\n`python manage.py rqworker` (and the other Django management commands that run"
            + " a worker: rqscheduler, rqworker-pool, celery, qcluster, run_huey, runworker,"
            + " consumer) handles SIGTERM; `manage.py runserver` and other management commands do"
            + " not.\n");
  }

  private static void wrappers(StringBuilder md) {
    md.append("\n## Wrappers and what is assumed\n\n")
        .append("The engine follows the command line to the process that ends up as PID 1:\n\n")
        .append(
            "- **Programs that exec their argument** are seen through with nothing assumed:"
                + " it takes their PID. ")
        .append(code(Programs.execWrappers()))
        .append(".\n")
        .append("- **Inits** stay PID 1, forward SIGTERM to their child and reap zombies: ")
        .append(code(Programs.inits()))
        .append(".\n")
        .append("- **Project runners** stay the parent of what they run: ")
        .append(code(Programs.runners()))
        .append(".\n")
        .append(
            "- **Entry-point scripts** by their conventional names are seen through on the"
                + " assumption that they end in `exec \"$@\"`, since their body is not in the"
                + " manifest: ")
        .append(code(Programs.entrypointScripts()))
        .append(
            " (with any directory). A finding that rests on it says so (`... (assuming"
                + " /entrypoint ends in exec \"$@\")`) and is reported one severity lower.\n")
        .append(
            "- **A script file run by a shell** (`bash start.sh`, `sh /scripts/run.sh`, or"
                + " an executable script as the command) keeps the shell as PID 1 while it runs:"
                + " measured for bash, dash and busybox ash, none of which execs a script file's"
                + " last command by itself. When the script is mounted from a ConfigMap that is in"
                + " the input (or the cluster), its body is read and judged like an `sh -c` script;"
                + " otherwise the finding assumes it does not end in `exec`, says so, and is one"
                + " severity lower.\n")
        .append(
            "- **`sh -c` scripts** are parsed: dash (the `/bin/sh` of Debian-based images, and"
                + " the assumption when the base is unknown) never execs the last command by itself;"
                + " bash and busybox ash (Alpine's `sh`) exec a final plain command.\n\n")
        .append("A policy that sets a rule's severity overrides the one-step lowering.\n");
  }

  private static void serving(StringBuilder md) {
    md.append("\n## Serving\n\n")
        .append(
            "`prestop-missing` and `readiness-probe-missing` are about containers that"
                + " traffic is routed to. A container serves when a Service of its namespace selects"
                + " its pod (every selector label matches the pod template's labels) and one of the"
                + " Service's ports targets one of the container's ports: by number, by the port's"
                + " name, or, with no `targetPort`, by the Service port's own number. Declaring a"
                + " port is not serving: consumers that copy an API's port and that no Service"
                + " selects are not reported. When no Service of the namespace is visible (the CLI"
                + " given manifests without Services), declaring a port counts as serving and the"
                + " finding says it was assumed.\n");
  }

  private static void imageResolution(StringBuilder md, List<Rule> rules) {
    md.append("\n## Image resolution\n\n")
        .append(
            "With image resolution on (the CLI's `--resolve-images`, the policy's"
                + " `images.resolve`), each image's config (ENTRYPOINT, CMD, USER, ENV, STOPSIGNAL)"
                + " joins the workload, and the rules see what really runs. The command line is"
                + " combined as Kubernetes combines it:\n\n")
        .append("| pod sets | what runs |\n|---|---|\n")
        .append("| nothing | the image's ENTRYPOINT followed by its CMD |\n")
        .append("| `args` only | the image's ENTRYPOINT followed by `args` (CMD is dropped) |\n")
        .append("| `command` | `command` (ENTRYPOINT and CMD are both dropped) |\n")
        .append("| `command` and `args` | `command` followed by `args` |\n\n")
        .append(
            "A Dockerfile's shell-form `CMD`/`ENTRYPOINT` is stored as `/bin/sh -c \"...\"`."
                + " The env is the image's ENV with the pod's env on top (the pod wins); the user is"
                + " the pod's `runAsUser`, else the image's USER. Messages say where a fact came"
                + " from (\"the image's CMD\", \"the pod's command\"). Without resolution, `args`"
                + " alone are taken as the whole command line, as for images without ENTRYPOINT. An"
                + " image whose config cannot be read is reported as `image-unresolved` (info), and"
                + " its verdicts use the manifest only.\n\n")
        .append("What the image adds, rule by rule:\n\n");
    for (Rule r : rules) {
      if (!r.withImage().isEmpty()) {
        md.append("- [`")
            .append(r.id())
            .append("`](#")
            .append(r.id())
            .append("): ")
            .append(r.withImage())
            .append("\n");
      }
    }
  }

  private static void kindMatrix(StringBuilder md, List<Rule> rules) {
    md.append("\n## Rules and workload kinds\n\n")
        .append(
            "Every kind is audited through its pod template: Deployment, StatefulSet,"
                + " DaemonSet, ReplicaSet (one no Deployment owns), Job, CronJob (its"
                + " `jobTemplate`) and bare Pod (one no controller owns). A rule applies to a kind"
                + " when what it checks happens to that kind's pods at runtime; a Job's pod is not"
                + " rolled out or drained behind a Service, but still gets SIGTERM on deletion,"
                + " node drain and `activeDeadlineSeconds`.\n\n")
        .append("| rule |");
    for (WorkloadKind k : WorkloadKind.values()) {
      md.append(" ").append(k.kind()).append(" |");
    }
    md.append("\n|---|");
    for (int i = 0; i < WorkloadKind.values().length; i++) {
      md.append(":-:|");
    }
    md.append("\n");
    for (Rule r : rules) {
      md.append("| [`").append(r.id()).append("`](#").append(r.id()).append(") |");
      for (WorkloadKind k : WorkloadKind.values()) {
        // A rule about long-running pods (not Jobs) holds for a bare Pod only if it restarts.
        String cell =
            !r.kinds().contains(k)
                ? "—"
                : k == WorkloadKind.POD && !r.kinds().contains(WorkloadKind.JOB) ? "yes¹" : "yes";
        md.append(" ").append(cell).append(" |");
      }
      md.append("\n");
    }
    md.append(
            "\n¹ only with `restartPolicy: Always` (the default): a bare Pod with `Never` or"
                + " `OnFailure` runs to completion like a Job's.\n\n")
        .append("Why a rule leaves kinds out:\n\n");
    for (Rule r : rules) {
      if (!r.kinds().containsAll(Rule.ALL_KINDS)) {
        md.append("- `").append(r.id()).append("`: ").append(r.kindsReason()).append(".\n");
      }
    }
    md.append(
        "\n`grace-budget` applies everywhere and says what a slow shutdown costs the kind:"
            + " a StatefulSet with `podManagementPolicy: OrderedReady` replaces one pod at a time, a"
            + " DaemonSet at most `maxUnavailable` pods, and a Job's pod is stopped by deletion,"
            + " node drain and `activeDeadlineSeconds`.\n");
  }

  private static String code(List<String> names) {
    return names.stream().map(n -> "`" + n + "`").collect(Collectors.joining(", "));
  }
}
