#!/usr/bin/env python3
"""JVM start-up of `pyhygiene audit`: runtimes, flags, class-data archives, classes loaded.

Builds, in --work, a Java 17 AppCDS archive (-XX:ArchiveClassesAtExit on a training audit of 200
generated Deployments) and a Java 25 AOT cache (-XX:AOTCacheOutput on the same training run), and
the same two with SLF4J bound to its no-op provider (NO_LOGGING: the CLI without logback, which
pyhygiene initialises with its XML configuration before any command runs). Then times
every variant on an empty file, on 1,000 and on 10,000 Deployments (one file), the variants in a
rotated order run after run, and counts the classes each loads (-Xlog:class+load, one extra run),
by library. Prints a Markdown section and writes it to --out-md.
"""
import argparse
import collections
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOW = "2026-11-25"
C1_SERIAL = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
# SLF4J 2 picks the provider named here instead of looking for one (logback); verbosity WARN
# keeps it from announcing that on stderr.
NO_LOGGING = ["-Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider",
              "-Dslf4j.internal.verbosity=WARN"]


def sh(argv, **kw):
    return subprocess.run(argv, check=True, **kw)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jar", required=True)
    ap.add_argument("--java17", default="java")
    ap.add_argument("--java25", default="/usr/lib/jvm/temurin-25-jdk-amd64/bin/java")
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="0,1000,10000")
    ap.add_argument("--out-md", type=Path)
    ap.add_argument("--launcher", help="also time this launcher script")
    args = ap.parse_args()
    w = args.work
    w.mkdir(parents=True, exist_ok=True)
    jar = str(Path(args.jar).resolve())
    j17, j25 = args.java17, args.java25
    javac = str(Path(subprocess.run([j17, "-XshowSettings:properties", "-version"], capture_output=True,
                                    text=True).stderr.split("java.home = ")[1].split()[0]) / "bin")

    # the JVM floor's empty main and the parallel-audit probe, in a jar (CDS archives only classes
    # from jars)
    classes = w / "probe-classes"
    classes.mkdir(exist_ok=True)
    sh([f"{javac}/javac", "--release", "17", "-cp", jar, "-d", str(classes), str(HERE / "Noop.java"),
        str(HERE / "probe" / "io" / "pyhygiene" / "cli" / "ParallelAuditProbe.java")])
    probe = str(w / "probe.jar")
    sh([f"{javac}/jar", "cf", probe, "-C", str(classes), "."])

    inputs = {}
    for n in [int(s) for s in args.sizes.split(",")]:
        d = w / f"n{n}"
        if n == 0:
            d.mkdir(exist_ok=True)
            (d / "deployments.yaml").write_text("")
            sys.path.insert(0, str(HERE))
            import generate
            (d / "policy.yaml").write_text(generate.POLICY)
        elif not (d / "policy.yaml").exists():
            sh([sys.executable, str(HERE / "generate.py"), "--count", str(n), "--out", str(d)],
               stdout=subprocess.DEVNULL)
        inputs[n] = d
    train = w / "train"
    if not (train / "policy.yaml").exists():
        sh([sys.executable, str(HERE / "generate.py"), "--count", "200", "--seed", "7", "--out", str(train)],
           stdout=subprocess.DEVNULL)

    def probe_args(d, threads, mode):
        return [str(d / "deployments.yaml"), str(threads), mode]

    def audit(d):
        return ["audit", "-f", str(d / "deployments.yaml"), "-o", "json", "--fail-on", "never",
                "--policy", str(d / "policy.yaml"), "--now", NOW]

    main_jar = ["-jar", jar]
    main_nolog = [*NO_LOGGING, "-jar", jar]
    probe_main = [*NO_LOGGING, "-cp", f"{probe}:{jar}", "io.pyhygiene.cli.ParallelAuditProbe"]
    archives = {
        "j17.jsa": (j17, "-XX:ArchiveClassesAtExit={}", main_jar),
        "j17-nolog.jsa": (j17, "-XX:ArchiveClassesAtExit={}", main_nolog),
        "j25.aot": (j25, "-XX:AOTCacheOutput={}", main_jar),
        "j25-nolog.aot": (j25, "-XX:AOTCacheOutput={}", main_nolog),
        "j17-probe.jsa": (j17, "-XX:ArchiveClassesAtExit={}", probe_main),
        "j25-probe.aot": (j25, "-XX:AOTCacheOutput={}", probe_main),
    }
    for name, (java, flag, entry) in archives.items():
        path = w / name
        if not path.exists():
            print(f"[startup] training {name}", file=sys.stderr, flush=True)
            args_ = probe_args(train, 2, "direct") if entry is probe_main else audit(train)
            sh([java, flag.format(path), *entry, *args_], stdout=subprocess.DEVNULL,
               stderr=subprocess.DEVNULL)

    variants = [
        ("Java 17, defaults", [j17, *main_jar]),
        ("Java 17, C1 + SerialGC", [j17, *C1_SERIAL, *main_jar]),
        ("Java 17, AppCDS", [j17, f"-XX:SharedArchiveFile={w / 'j17.jsa'}", *main_jar]),
        ("Java 17, AppCDS + C1 + SerialGC", [j17, f"-XX:SharedArchiveFile={w / 'j17.jsa'}", *C1_SERIAL, *main_jar]),
        ("Java 17, AppCDS + C1 + SerialGC, no logback",
         [j17, f"-XX:SharedArchiveFile={w / 'j17-nolog.jsa'}", *C1_SERIAL, *main_nolog]),
        ("Java 25, defaults", [j25, *main_jar]),
        ("Java 25, AOT cache", [j25, f"-XX:AOTCache={w / 'j25.aot'}", *main_jar]),
        ("Java 25, AOT cache + C1 + SerialGC", [j25, f"-XX:AOTCache={w / 'j25.aot'}", *C1_SERIAL, *main_jar]),
        ("Java 25, AOT cache + C1 + SerialGC, no logback",
         [j25, f"-XX:AOTCache={w / 'j25-nolog.aot'}", *C1_SERIAL, *main_nolog]),
    ]
    # (label, argv, args for an input dir): the probe takes its own arguments
    probes = [
        ("probe (no picocli, no logging), Java 17, AppCDS + C1 + SerialGC, 1 thread, YAML tree then model",
         [j17, f"-XX:SharedArchiveFile={w / 'j17-probe.jsa'}", *C1_SERIAL, *probe_main], (1, "tree")),
        ("probe, Java 17, AppCDS + C1 + SerialGC, 2 threads, YAML tree then model",
         [j17, f"-XX:SharedArchiveFile={w / 'j17-probe.jsa'}", *C1_SERIAL, *probe_main], (2, "tree")),
        ("probe, Java 17, AppCDS + C1 + SerialGC, 2 threads, YAML straight to model",
         [j17, f"-XX:SharedArchiveFile={w / 'j17-probe.jsa'}", *C1_SERIAL, *probe_main], (2, "direct")),
        ("probe, Java 25, AOT cache + C1 + SerialGC, 2 threads, YAML straight to model",
         [j25, f"-XX:AOTCache={w / 'j25-probe.aot'}", *C1_SERIAL, *probe_main], (2, "direct")),
    ]
    probe_of = {label: extra for label, _, extra in probes}
    variants += [(label, argv) for label, argv, _ in probes]
    if args.launcher:
        variants.append((f"launcher {Path(args.launcher).name}", [args.launcher]))
    floors = [("JVM floor: Java 17, CDS, empty main", [j17, "-Xshare:auto", *C1_SERIAL, "-cp", probe, "Noop"]),
              ("JVM floor: Java 25, empty main", [j25, *C1_SERIAL, "-cp", probe, "Noop"])]

    samples = collections.defaultdict(list)
    for n, d in inputs.items():
        todo = variants + (floors if n == 0 else [])
        for r in range(args.runs):
            order = todo[r % len(todo):] + todo[:r % len(todo)]
            for label, argv in (order if r % 2 == 0 else order[::-1]):
                if label.startswith("JVM floor"):
                    full = argv
                elif label in probe_of:
                    full = argv + probe_args(d, *probe_of[label])
                else:
                    full = argv + audit(d)
                tf = w / "time.txt"
                t0 = time.perf_counter()
                rc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", str(tf), *full],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
                wall = time.perf_counter() - t0
                rss, u, s = tf.read_text().split()[-3:]
                if rc != 0:
                    print(f"[startup] {label} on n={n}: exit {rc}", file=sys.stderr)
                samples[(label, n)].append((wall, float(u) + float(s), int(rss)))
            print(f"[startup] n={n} run {r + 1}/{args.runs} done", file=sys.stderr, flush=True)

    # classes loaded, by library (one run each, on 1,000 Deployments, or the largest size below it)
    n_cls = max((n for n in inputs if n <= 1000), default=0)
    loaded = {}
    for label, argv in variants + floors[:1]:
        if label.startswith("launcher"):
            continue
        log = w / "classes.txt"
        full = [argv[0], f"-Xlog:class+load=info:file={log}", *argv[1:]]
        if label in probe_of:
            full += probe_args(inputs[n_cls], *probe_of[label])
        elif not label.startswith("JVM floor"):
            full += audit(inputs[n_cls])
        subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        loaded[label] = count_classes(log)

    md = render(args, variants, floors, inputs, samples, loaded, n_cls)
    if args.out_md:
        args.out_md.parent.mkdir(parents=True, exist_ok=True)
        args.out_md.write_text(md)
    print(md)


GROUPS = [("io.pyhygiene.", "pyhygiene"), ("io.fabric8.", "fabric8"), ("com.fasterxml.jackson.", "Jackson"),
          ("org.yaml.snakeyaml.", "SnakeYAML"), ("ch.qos.logback.", "logback"), ("org.slf4j.", "SLF4J"),
          ("picocli.", "picocli"), ("io.javaoperatorsdk.", "JOSDK"), ("io.micrometer.", "Micrometer"),
          ("io.vertx.", "Vert.x"), ("io.netty.", "Netty"), ("okhttp3.", "OkHttp"), ("kotlin.", "Kotlin")]


def count_classes(log):
    by = collections.Counter()
    shared = 0
    for line in open(log, errors="replace"):
        m = re.search(r"\] (\S+) source: (.*)", line)
        if not m:
            continue
        cls, src = m.groups()
        shared += "shared" in src
        g = next((name for prefix, name in GROUPS if cls.startswith(prefix)), None)
        if g is None:
            g = "JDK" if src.startswith(("jrt:", "shared")) and cls.startswith(
                ("java.", "javax.", "jdk.", "sun.", "com.sun.", "org.xml.", "org.w3c.")) else "other"
        by[g] += 1
    return by, shared


def render(args, variants, floors, inputs, samples, loaded, n_cls):
    sizes = sorted(inputs)
    head = " | ".join(f"{'empty file' if n == 0 else f'{n:,} Deployments'}" for n in sizes)
    lines = ["## JVM start-up of `pyhygiene audit`", "",
             f"`bench/peers/startup.py`, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end;"
             f" wall median (min–max) and median user+sys CPU over {args.runs} runs, variants rotated run"
             " after run. Archives trained on 200 generated Deployments (seed 7), never on the measured input.",
             "", f"| runtime and options | {head} |", "|---|" + "---|" * len(sizes)]
    for label, _ in variants + floors:
        cells = []
        for n in sizes:
            s = samples.get((label, n))
            if not s:
                cells.append("")
                continue
            wall = [x[0] for x in s]
            cells.append(f"{statistics.median(wall):.2f} s ({min(wall):.2f}–{max(wall):.2f}),"
                         f" CPU {statistics.median(x[1] for x in s):.2f} s,"
                         f" {statistics.median(x[2] for x in s) / 1024:.0f} MiB")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    groups = ["pyhygiene", "fabric8", "Jackson", "SnakeYAML", "logback", "SLF4J", "picocli", "JOSDK",
              "Micrometer", "Vert.x", "Netty", "OkHttp", "JDK", "other"]
    lines += ["", f"Classes loaded on {n_cls:,} Deployments (`-Xlog:class+load`), by library; \"from archive\":"
              " loaded from the CDS archive / AOT cache instead of parsed and verified from the jar.", "",
              "| runtime and options | total | from archive | " + " | ".join(groups) + " |",
              "|---|---|---|" + "---|" * len(groups)]
    for label, (by, shared) in loaded.items():
        lines.append(f"| {label} | {sum(by.values())} | {shared} | " + " | ".join(str(by[g]) for g in groups) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
