#!/usr/bin/env python3
"""Offline audit, pyhygiene beside the linters users run instead (issue 14, benchmark 1).

For every size N and layout (one multi-document file, a directory of one file per object) the
harness generates the input (generate.py, seeded), runs every tool once untimed (warm-up: page
cache, Trivy's cache dir) and checks its output is sane, then times RUNS runs per tool with the
order rotated every run (so no tool always runs first or after the same neighbour). Each run is
a whole process, as users start it: `java -jar ...` includes JVM start-up. Wall time from the
harness's clock, max RSS and CPU from /usr/bin/time. Start-up alone: every tool on an empty file.

Writes a Markdown section (--out-md) and a PNG chart (--out-png, matplotlib) and prints the
section. Exits 1 when pyhygiene's own report disagrees with the generator's expectations.
"""
import argparse
import collections
import datetime
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

NOW = "2026-11-25"  # python-eol judges by this date: results do not move with the calendar


class Tool:
    """One command line per input; parse() reads its output into Counts."""

    def __init__(self, name, version, argv, parse, peer=True):
        self.name, self.version, self._argv, self.parse, self.peer = name, version, argv, parse, peer

    def argv(self, case, out):
        return self._argv(case, out)


Counts = collections.namedtuple("Counts", "findings objects privileged note")


def parse_pyhygiene(out, case):
    if out.stat().st_size == 0:
        return Counts(0, 0, 0, "no output")
    report = json.loads(out.read_text())
    flagged = [w for w in report["workloads"] if w["findings"]]
    privileged = sum(1 for w in report["workloads"] for f in w["findings"] if f["rule"] == "privileged")
    return Counts(sum(len(w["findings"]) for w in report["workloads"]), len(flagged), privileged,
                  "verdicts " + ", ".join(f"{k} {report['summary'][k]}" for k in ("pass", "warn", "fail")))


KUBE_SCORE_LINE = re.compile(r"^\[(CRITICAL|WARNING)\] (\S+) (\S+?):? ?(.*)$")


def parse_kube_score(out, case):
    findings, objects, privileged = 0, set(), 0
    for line in out.read_text().splitlines():
        m = KUBE_SCORE_LINE.match(line)
        if m:
            findings += 1
            objects.add((m.group(2), m.group(3)))
            privileged += "The container is privileged" in m.group(4)
    return Counts(findings, len(objects), privileged, "CRITICAL and WARNING lines")


def parse_trivy(out, case):
    report = json.loads(out.read_text())
    findings, objects, privileged = 0, set(), 0
    for result in report.get("Results") or []:
        for m in result.get("Misconfigurations") or []:
            if m.get("Status") != "FAIL":
                continue
            findings += 1
            cause = m.get("CauseMetadata") or {}
            objects.add((result.get("Target"), cause.get("Resource") or "", cause.get("StartLine")))
            privileged += m.get("ID") in ("KSV017", "KSV-0017", "AVD-KSV-0017")
    return Counts(findings, len(objects), privileged, "misconfigurations with status FAIL")


def parse_checkov(out, case):
    text = out.read_text()
    data = json.loads(text) if text.strip() else []
    reports = data if isinstance(data, list) else [data]
    findings, objects, privileged = 0, set(), 0
    for rep in reports:
        for f in (rep.get("results") or {}).get("failed_checks") or []:
            findings += 1
            # a Deployment's checks name it Deployment.NS.NAME, its template's Pod.NS.NAME.LABELS
            objects.add((f.get("file_path"), *(f.get("resource") or "").split(".")[1:3]))
            privileged += f.get("check_id") == "CKV_K8S_16"
    return Counts(findings, len(objects), privileged, "failed checks")


def tools(args, peers):
    java = args.java
    policy = ["--policy", "{policy}", "--now", NOW]

    def pyhygiene(prefix):
        return lambda case, out: prefix + ["audit", "-f", case["input"], "-o", "json",
                                           "--fail-on", "never"] + [
            p.format(**case) for p in policy]

    found = [Tool("pyhygiene", "java -jar, default flags", pyhygiene([java, "-jar", args.jar]),
                  parse_pyhygiene, peer=False)]
    if args.launcher:
        found.append(Tool("pyhygiene (launcher)", args.launcher_label,
                          pyhygiene([args.launcher]), parse_pyhygiene, peer=False))
    if "KUBE_SCORE" in peers:
        found.append(Tool("kube-score", "v1.20.0", lambda case, out: [
            peers["KUBE_SCORE"], "score", *case["files"], "-o", "ci"], parse_kube_score))
    if "TRIVY" in peers:
        found.append(Tool("trivy config", version_of([peers["TRIVY"], "--version"]), lambda case, out: [
            peers["TRIVY"], "config", "--quiet", "--skip-check-update", "--skip-version-check",
            "--disable-telemetry", "--timeout", "60m", "--cache-dir", case["trivy_cache"],
            "--format", "json", "--output", str(out), case["input"]], parse_trivy))
    if "CHECKOV" in peers:
        found.append(Tool("checkov", "3.3.30", lambda case, out: [
            peers["CHECKOV"], "--framework", "kubernetes", "--skip-download", "--quiet", "-o", "json",
            "-d" if case["layout"] == "directory" else "-f", case["input"]], parse_checkov))
    return found


def version_of(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout.split("\n")[0].strip()
    except OSError as e:
        return f"unknown ({e})"


def run_once(tool, case, out, env):
    """One whole-process run: (wall s, max RSS KiB, user+sys CPU s, exit code)."""
    timefile = out.with_suffix(".time")
    argv = tool.argv(case, out)
    with open(out, "wb") as stdout:
        t0 = time.perf_counter()
        rc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", str(timefile), "--", *argv],
                            stdout=stdout, stderr=subprocess.DEVNULL, env=env).returncode
        wall = time.perf_counter() - t0
    rss, user, system = timefile.read_text().split()[-3:]
    return wall, int(rss), float(user) + float(system), rc


def check_pyhygiene(out, expected_path):
    """pyhygiene must pass every good Deployment and report every seeded defect."""
    expected = json.loads(Path(expected_path).read_text())
    report = json.loads(out.read_text())
    problems = []
    seen = set()
    for w in report["workloads"]:
        key = f"{w['namespace']}/{w['name']}"
        seen.add(key)
        want, got = set(expected.get(key, [])), {f["rule"] for f in w["findings"]}
        if not want and got:
            problems.append(f"{key}: good, but reported {sorted(got)}")
        elif want - got:
            problems.append(f"{key}: missed {sorted(want - got)}")
    if seen != set(expected):
        problems.append(f"{len(set(expected) - seen)} Deployments not in the report")
    return problems


def stats(xs):
    return statistics.median(xs), min(xs), max(xs)


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    return f"{cpu}, {os.cpu_count()} cores, {mem / 1048576:.0f} GiB RAM, {platform.system()} {platform.release()}"


def fmt_s(m, lo, hi):
    return f"{m:.2f} s ({lo:.2f}–{hi:.2f})" if m < 100 else f"{m:.0f} s ({lo:.0f}–{hi:.0f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jar", required=True, help="the pyhygiene jar (java -jar JAR)")
    ap.add_argument("--java", default="java")
    ap.add_argument("--launcher", help="also time this launcher (e.g. bin/pyhygiene)")
    ap.add_argument("--launcher-label", default="bin/pyhygiene")
    ap.add_argument("--peers", default=str(HERE.parent.parent / "scripts" / "peers.sh"))
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--layouts", default="file,directory")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--slow-tools", default="",
                    help="comma-separated tools timed only --slow-runs times, the warm-up counting"
                         " as one (the table says n); for a tool far slower than the fastest peer")
    ap.add_argument("--slow-runs", type=int, default=1)
    ap.add_argument("--slow-max-size", type=int, default=None,
                    help="run the --slow-tools only on inputs of at most this many Deployments")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--out-md", type=Path, required=True)
    ap.add_argument("--out-png", type=Path, required=True)
    ap.add_argument("--out-tsv", type=Path,
                    help="also write the target rows (input, pyhygiene as, fastest peer, its median s,"
                         " pyhygiene's median s, ratio) as tab-separated lines, for make bench's table")
    ap.add_argument("--skip", default="", help="comma-separated tool names to leave out")
    args = ap.parse_args()

    peers = dict(line.split("=", 1) for line in subprocess.run(
        ["bash", args.peers, "paths"], capture_output=True, text=True).stdout.split())
    selected = [t for t in tools(args, peers) if t.name not in args.skip.split(",")]
    args.work.mkdir(parents=True, exist_ok=True)
    # Offline and quiet: no peer talks to the internet (Trivy: --skip-version-check and
    # --disable-telemetry on its command line; Checkov: --skip-download and these variables).
    env = dict(os.environ, NO_COLOR="1", BC_SKIP_MAPPING="TRUE", CKV_SKIP_PACKAGE_UPDATE_CHECK="true")
    load_before = os.getloadavg()
    started = datetime.datetime.now(datetime.timezone.utc)

    cases = []
    empty = args.work / "empty"
    empty.mkdir(exist_ok=True)
    (empty / "empty.yaml").write_text("")
    (empty / "policy.yaml").write_text(generate.POLICY)
    cases.append({"label": "start-up (empty file)", "n": 0, "layout": "file",
                  "input": str(empty / "empty.yaml"), "files": [str(empty / "empty.yaml")],
                  "policy": str(empty / "policy.yaml"), "expected": None})
    for n in [int(s) for s in args.sizes.split(",")]:
        d = args.work / f"n{n}-seed{args.seed}"
        if not (d / "expected.json").exists():
            subprocess.run([sys.executable, str(HERE / "generate.py"), "--count", str(n),
                            "--seed", str(args.seed), "--out", str(d)], check=True)
        for layout in args.layouts.split(","):
            single = layout == "file"
            files = [str(d / "deployments.yaml")] if single else sorted(str(p) for p in (d / "tree").glob("*.yaml"))
            cases.append({"label": f"{n:,} Deployments, {'one file' if single else 'directory'}",
                          "n": n, "layout": layout, "files": files,
                          "input": str(d / "deployments.yaml") if single else str(d / "tree"),
                          "policy": str(d / "policy.yaml"), "expected": str(d / "expected.json")})

    results = []  # (case, tool, samples, counts, sanity)
    pyhygiene_problems = []
    for case in cases:
        case["trivy_cache"] = str(args.work / "trivy-cache")
        outdir = args.work / "out" / re.sub(r"\W+", "-", case["label"])
        outdir.mkdir(parents=True, exist_ok=True)
        samples, counts, notes = {}, {}, {}
        for t in selected:  # warm-up, untimed unless slow; its output is checked
            if (t.name in args.slow_tools.split(",") and args.slow_max_size is not None
                    and case["n"] > args.slow_max_size):
                samples[t.name], counts[t.name], notes[t.name] = [], None, "not run"
                continue
            out = outdir / (re.sub(r"\W+", "-", t.name) + ".out")
            print(f"[peers] {case['label']}: {t.name} (warm-up)", file=sys.stderr, flush=True)
            wall, rss, cpu, rc = run_once(t, case, out, env)
            try:
                counts[t.name] = t.parse(out, case) if case["n"] else None
            except (ValueError, KeyError, OSError) as e:  # a peer that failed: say so, go on
                counts[t.name] = Counts(0, 0, 0, f"exit {rc}, unreadable report: {e}")
            samples[t.name] = [(wall, rss, cpu)] if t.name in args.slow_tools.split(",") else []
            notes[t.name] = f"exit {rc}"
            if case["expected"] and not t.peer:
                problems = check_pyhygiene(out, case["expected"])
                pyhygiene_problems += [f"{case['label']}, {t.name}: {p}" for p in problems[:5]]
        # a slow tool (its warm-up counted as a sample) gets --slow-runs samples, the others --runs
        wanted = {t.name: 0 if notes[t.name] == "not run" else
                  args.slow_runs if t.name in args.slow_tools.split(",") else args.runs
                  for t in selected}
        for r in range(args.runs):
            order = selected[r % len(selected):] + selected[:r % len(selected)]
            if r % 2:
                order.reverse()
            for t in order:
                if len(samples[t.name]) >= wanted[t.name]:
                    continue
                out = outdir / (re.sub(r"\W+", "-", t.name) + f".run{r}.out")
                print(f"[peers] {case['label']}: {t.name} run {r + 1}", file=sys.stderr, flush=True)
                wall, rss, cpu, _ = run_once(t, case, out, env)
                samples[t.name].append((wall, rss, cpu))
                out.unlink()
        for t in selected:
            results.append((case, t, samples[t.name], counts[t.name], notes[t.name]))

    load_after = os.getloadavg()
    md, ratios = render(args, selected, cases, results, pyhygiene_problems, started, load_before, load_after)
    if args.out_tsv:
        args.out_tsv.write_text("".join("\t".join(map(str, row)) + "\n" for row in ratios))
    args.out_md.parent.mkdir(parents=True, exist_ok=True)
    args.out_md.write_text(md)
    chart(args, selected, cases, results)
    print(md)
    return 1 if pyhygiene_problems else 0


def render(args, selected, cases, results, problems, started, load_before, load_after):
    by = {(c["label"], t.name): (s, k, note) for c, t, s, k, note in results}
    lines = [
        "## Offline audit beside the peers",
        "",
        f"Produced by `bench/peers/compare.py` on {started:%Y-%m-%d %H:%M} UTC: {machine()};",
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after (other work on the machine"
        " moves these numbers). Every run is a whole process started as users start it"
        " (JVM start-up included); the tools run in a rotated order, run after run; wall time median"
        " (min–max) over n runs after one untimed warm-up, max RSS from `/usr/bin/time`.",
        "",
        "Input: `generate.py --count N --seed %d` — N Python Deployments, half passing every"
        " pyhygiene rule, half with 1–3 seeded defects covering every offline rule, one Service per 50"
        " Deployments and one for each Deployment seeded with a defect only a served container has;"
        " as one YAML stream and as a directory with one file per object." % args.seed,
        "",
        "Commands (`$IN` is the file or the directory; kube-score takes files, so the directory's files"
        " are passed as arguments):",
        "",
    ]
    sample_case = cases[-1]
    for t in selected:
        argv = t.argv(dict(sample_case, input="$IN", files=["$IN"], policy="policy.yaml",
                           trivy_cache="$CACHE"), Path("out.json"))
        argv = [("java" if a == args.java else a) for a in argv]
        argv = [Path(a).name if a.startswith("/") else a for a in argv]
        cmd = " ".join(a if a.startswith("$") else shlex.quote(a) for a in argv)
        lines.append(f"- {t.name} ({t.version}): `{cmd}`")
    lines += ["", "| input | tool | wall | max RSS | CPU (user+sys) | n | findings | objects flagged |"
              " privileged caught |", "|---|---|---|---|---|---|---|---|---|"]
    summary = []
    ratios = []  # (input, pyhygiene as, fastest peer, its median, pyhygiene's median, ratio)
    for case in cases:
        privileged_expected = None
        if case["expected"]:
            exp = json.loads(Path(case["expected"]).read_text())
            privileged_expected = sum("privileged" in r for r in exp.values())
        fastest_peer = None
        for t in selected:
            s, k, note = by[(case["label"], t.name)]
            if not s:
                why = (f"not run (slow; `--slow-max-size {args.slow_max_size}`)" if note == "not run"
                       else "no sample")
                lines.append(f"| {case['label']} | {t.name} | {why} | | | 0 | | | |")
                continue
            wall, rss, cpu = zip(*s)
            m, lo, hi = stats(wall)
            rm, rlo, rhi = stats(rss)
            if t.peer and (fastest_peer is None or m < fastest_peer[1]):
                fastest_peer = (t.name, m)
            if k is None:
                found = flagged = priv = "—"
            else:
                found, flagged = f"{k.findings:,}", f"{k.objects:,}"
                priv = f"{k.privileged}/{privileged_expected}"
                if k.findings == 0:
                    found += f" (NONE: not sane; {k.note})" if k.note.startswith("exit") else " (NONE: not sane)"
            lines.append(f"| {case['label']} | {t.name} | {fmt_s(m, lo, hi)} | {rm / 1024:.0f} MiB"
                         f" ({rlo / 1024:.0f}–{rhi / 1024:.0f}) | {statistics.median(cpu):.2f} s | {len(s)}"
                         f" | {found} | {flagged} | {priv} |")
        if fastest_peer:
            for t in selected:
                s = by[(case["label"], t.name)][0]
                if t.peer or not s:
                    continue
                ours = statistics.median(w for w, _, _ in s)
                ratio = ours / fastest_peer[1]
                ratios.append((case["label"], t.name, fastest_peer[0], f"{fastest_peer[1]:.2f}",
                               f"{ours:.2f}", f"{ratio:.4f}"))  # unrounded enough to judge
                summary.append(f"| {case['label']} | {t.name} | {fastest_peer[0]} | {ratio:.2f}× |"
                               f" {'yes' if ratio <= 0.5 else 'no'} |")
    lines += ["", "Target: pyhygiene's wall time ≤ 0.5× the fastest peer's at both sizes.", "",
              "| input | pyhygiene as | fastest peer | ratio (medians) | ≤ 0.5× |", "|---|---|---|---|---|",
              *summary, ""]
    lines += ["Findings are what each tool reports with its default checks (each has its own catalogue:"
              " the counts are not comparable, they show the tool did the work). \"privileged caught\":"
              " Deployments seeded with `privileged: true` that the tool reported as privileged"
              " (kube-score: *The container is privileged*; Trivy: KSV-0017; Checkov: CKV_K8S_16)."
              " \"objects flagged\": kube-score: objects (Services too) with a CRITICAL or WARNING line;"
              " Trivy: distinct (file, cause start line) of its failures, i.e. containers and objects;"
              " Checkov: distinct namespace/name among its failed resources; pyhygiene: Deployments"
              " with a finding.", ""]
    if problems:
        lines += ["**pyhygiene's report disagrees with the generator:**", "", *[f"- {p}" for p in problems], ""]
    else:
        lines += ["pyhygiene's report was checked against the generator's expectations on every input:"
                  " every good Deployment passes, every seeded defect is reported.", ""]
    lines += [f"![offline audit beside the peers]({args.out_png.name})", ""]
    return "\n".join(lines), ratios


def chart(args, selected, cases, results):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by = {(c["label"], t.name): s for c, t, s, _, _ in results}
    insane = {(c["label"], t.name) for c, t, _, k, _ in results if k is not None and k.findings == 0}
    fig, ax = plt.subplots(figsize=(11, 5.5))
    width = 0.8 / len(selected)
    for j, t in enumerate(selected):
        xs, meds, los, his, hatches = [], [], [], [], []
        for i, case in enumerate(cases):
            s = by[(case["label"], t.name)]
            if not s:
                continue
            hatches.append("xx" if (case["label"], t.name) in insane else "")
            m, lo, hi = stats([w for w, _, _ in s])
            xs.append(i + (j - (len(selected) - 1) / 2) * width)
            meds.append(m)
            los.append(m - lo)
            his.append(hi - m)
        bars = ax.bar(xs, meds, width, yerr=[los, his], capsize=2, label=t.name)
        for bar, hatch, x, m in zip(bars, hatches, xs, meds):
            bar.set_hatch(hatch)  # crossed: the tool reported nothing on this input (not sane)
            ax.text(x, m * 1.08, f"{m:.2g}" + (" no findings" if hatch else ""), ha="center",
                    va="bottom", fontsize=7, rotation=90)
    ax.set_yscale("log")
    ax.set_ylabel("wall time, s (log; median, min–max)")
    ax.set_xticks(range(len(cases)))
    ax.set_xticklabels([c["label"].replace(", ", "\n") for c in cases], fontsize=8)
    ax.set_title(f"Offline audit: whole-process wall time on {os.cpu_count()} cores")
    ax.legend(fontsize=8)
    ax.grid(axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    args.out_png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out_png, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
