"""Writes docs/benchmarks.md from what scripts/bench.sh measured (issue 14).

Usage: report.py --work DIR --out FILE --png-latency NAME --png-cluster NAME

Every target stands beside its measured figure; a missed target says "missed" with the figure.
A part that did not run says so. Nothing here measures: it only reads DIR.
"""
import argparse
import datetime
import json
import re
import statistics
from pathlib import Path


def read_results(work):
    """key -> value, the last one written (a BENCH_WORK directory gathers several runs); "parts"
    is every part that ran."""
    r = {}
    parts = []
    p = work / "results.tsv"
    if p.exists():
        for line in p.read_text().splitlines():
            k, _, v = line.partition("\t")
            r[k] = v
            if k == "parts":
                parts += [x for x in v.split() if x not in parts]
    r["parts"] = " ".join(parts)
    return r


def text(work, name):
    p = work / name
    return p.read_text().strip() if p.exists() else ""


def num(pattern, s):
    m = re.search(pattern, s)
    return float(m.group(1)) if m else None


def verdict(ok):
    return "yes" if ok else "**missed**"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--png-latency", required=True)
    ap.add_argument("--png-cluster", required=True)
    a = ap.parse_args()
    w = a.work
    r = read_results(w)
    n = int(r.get("deployments", "0"))
    parts = r.get("parts", "").split()
    targets = []  # (target, measured, met)
    body = []

    # ------------------------------------------------------------------ 0 peers
    body += ["## 1. Offline audit beside the peers (issue 14, benchmark 1)", ""]
    if "peers" in r:
        body += ["Measured in this run by `scripts/bench-peers.sh` (called by `make bench`): the table,"
                 " the commands, the medians and min–max over alternating runs and the chart are in"
                 " [benchmarks-peers.md](benchmarks-peers.md) (chart: `benchmarks-peers.png`).", ""]
        rows = [line.split("\t") for line in text(w, "peers-targets.tsv").splitlines()]
        if rows:
            body += ["| input | pyhygiene as | fastest peer | its median | pyhygiene's median | ratio |",
                     "|---|---|---|---|---|---|"]
            body += [f"| {i} | {t} | {p} | {pm} s | {om} s | {float(x):.2f}× |" for i, t, p, pm, om, x in rows]
            body.append("")
        # The target is for the CLI as shipped (bin/pyhygiene, the launcher); `java -jar` is in the
        # table above for comparison. Start-up alone (an empty file) is measured, not a target.
        for i, t, p, pm, om, x in rows:
            if t == "pyhygiene (launcher)" and not i.startswith("start-up"):
                targets.append((f"offline audit of {i} <= 0.5x the fastest peer's wall time (medians)",
                                f"bin/pyhygiene {om} s, {p} {pm} s: {float(x):.2f}x", verdict(float(x) <= 0.5)))
    else:
        body += ["Not run in this run (`BENCH_PARTS` left out `peers`); the last figures are in"
                 " [benchmarks-peers.md](benchmarks-peers.md), written by `scripts/bench-peers.sh`.", ""]

    # ------------------------------------------------------------------ engine
    body += ["## 2. Engine (JMH)", ""]
    jmh = w / "jmh.json"
    if jmh.exists():
        body += ["`java -jar bench/target/benchmarks.jar AuditorBenchmark`: one audit = building the"
                 " workload view (shell parsing included) and running every rule.", "",
                 "| benchmark | time per audit |", "|---|---|"]
        for b in json.loads(jmh.read_text()):
            m = b["primaryMetric"]
            body.append(f"| `{b['benchmark'].rsplit('.', 1)[1]}` | {m['score']:.1f} ± {m['scoreError']:.1f}"
                        f" {m['scoreUnit']} |")
        body.append("")
    else:
        body += ["Not run in this run.", ""]

    # ------------------------------------------------------------------ webhook
    body += ["## 3. Admission webhook (issue 14, benchmark 6)", ""]
    closed, opened = text(w, "webhook-closed.txt"), text(w, "webhook-open.txt")
    if opened:
        rate, secs = r.get("webhook_rate"), r.get("webhook_seconds")
        p50 = num(r"server-side ms: p50=([0-9.]+)", opened)
        p99 = num(r"server-side ms:.* p99=([0-9.]+)", opened)
        failed = num(r"failed=(\d+)", opened)
        targets.append((f"webhook server side p99 <= 10 ms at {rate} AdmissionReviews/s for {secs} s (open loop)",
                        f"p50 {p50:.3f} ms, p99 {p99:.3f} ms ({failed:.0f} failed)",
                        verdict(p99 is not None and p99 <= 10 and failed == 0)))
        body += [f"Open loop: `java -cp bench/target/benchmarks.jar io.pyhygiene.bench.WebhookOpenLoop <certs>"
                 f" {rate} {secs} 20 webhook-cdf.txt`. The real `AdmissionServer` over TLS on loopback, a"
                 " failing and a passing Deployment under a Deny and a Warn policy; one request every"
                 f" 1/{rate} s on a fixed schedule whatever the earlier ones are doing (20 s warm-up at the"
                 " same rate on a discarded server first). Server side: the production timer"
                 " `pyhygiene.admission.duration` with exact percentiles; client side: from each request's"
                 f" scheduled send time to its response. Load average before: {r.get('webhook_open_load')}.",
                 "", "```", opened, "```", ""]
    if closed:
        body += [f"Closed loop (throughput): `java -cp bench/target/benchmarks.jar"
                 f" io.pyhygiene.bench.WebhookLatency <certs> {r.get('webhook_requests')} 4`, 4 client threads"
                 f" each waiting for its answer. Load average before: {r.get('webhook_closed_load')}.",
                 "", "```", closed, "```", ""]
    if not (opened or closed):
        body += ["Not run in this run.", ""]

    # ------------------------------------------------------------------ CLI
    body += ["## 4. CLI", ""]
    if "cli_seconds" in r:
        body += [f"`java -jar dist/target/pyhygiene.jar audit -f many.yaml -o json` over one file with"
                 f" {r['cli_workloads']} Deployments (half failing, half passing): {r['cli_seconds']} s wall,"
                 f" max RSS {r['cli_rss_mib']} MiB (JVM start-up included).", ""]
    else:
        body += ["Not run in this run.", ""]

    # ------------------------------------------------------------------ cluster
    cold = [line.split("\t") for line in text(w, "cold.tsv").splitlines() if line]
    body += [f"## 5. Cold in-cluster audit beside its floor (issue 14, benchmark 2)", ""]
    if cold:
        op = [float(c[2]) for c in cold if c[0] == "operator"]
        fl = [float(c[2]) for c in cold if c[0] == "floor"]
        ratio = statistics.median(op) / statistics.median(fl) if op and fl else None
        targets.append((f"cold audit of {n} Deployments <= 1.5x the floor (medians of {len(op)} alternating runs)",
                        f"operator {statistics.median(op):.1f} s, floor {statistics.median(fl):.1f} s:"
                        f" {ratio:.2f}x", verdict(ratio is not None and ratio <= 1.5)))
        body += [f"{n} Deployments (replicas 0, 20 namespaces, half failing) on a dedicated local control"
                 " plane (kube-apiserver, kube-controller-manager and etcd built from upstream), one Audit"
                 " policy. Each run starts from Deployments without pyhygiene's metadata (`ClusterBench"
                 " reset`: an empty server-side apply under pyhygiene's field manager) and ends when a"
                 " watch (`ClusterBench await`, started before) has seen the verdict label on all of"
                 " them; the time counts from the process's launch, JVM start included.", "",
                 "- **operator**: `java -jar dist/target/pyhygiene.jar run` with the chart's JVM"
                 f" (`{r.get('chart_jvm')}`), webhook off; it also writes its Events (a verdict"
                 " `fail`/`warn` on a new Deployment) and the PolicyReports;",
                 "- **floor**: `java -cp bench/target/benchmarks.jar io.pyhygiene.bench.ClusterBench floor 4`:"
                 " one paginated list, then per Deployment the same audit and the operator's own request"
                 " (`DeploymentWriter`: same apply configuration, field manager `pyhygiene`, forced), the"
                 " same fabric8 client settings (defaults: no QPS limiter) and 4 concurrent writers, as"
                 " many as the operator's reconcile threads; nothing else.", "",
                 "| run (floor, then operator) | operator (s) | floor (s) | ratio |", "|---|---|---|---|"]
        runs = sorted({int(c[1]) for c in cold})
        for k in runs:
            o = [float(c[2]) for c in cold if c[0] == "operator" and int(c[1]) == k]
            f = [float(c[2]) for c in cold if c[0] == "floor" and int(c[1]) == k]
            if o and f:
                body.append(f"| {k} | {o[0]:.1f} | {f[0]:.1f}"
                            f" | {o[0] / f[0]:.2f}x |")
        body += [f"| **median (min–max)** | {statistics.median(op):.1f} ({min(op):.1f}–{max(op):.1f}) |"
                 f" {statistics.median(fl):.1f} ({min(fl):.1f}–{max(fl):.1f}) | {ratio:.2f}x |", "",
                 f"Load average before the runs: {r.get('cold_load_before')}; after: {r.get('cold_load_after')}.",
                 ""]
    else:
        body += ["Not run in this run.", ""]

    body += ["## 6. Idempotence (issue 14, benchmark 3)", ""]
    if "resync_writes" in r:
        writes, _, breakdown = r["resync_writes"].partition(" ")
        targets.append(("forced full resync of an unchanged cluster makes 0 writes",
                        f"{writes} writes ({breakdown})", verdict(writes == "0")))
        body += [f"The operator restarted over the {n} audited, unchanged Deployments (a restart re-reconciles"
                 f" every one: a forced full resync), with `PYHYGIENE_RESYNC_INTERVAL={r['resync_interval_seconds']}s`;"
                 f" all audited again after {r['resync_audited_seconds']} s (its own gauge), window"
                 f" {r['resync_window_seconds']} s from its start. Write requests by the operator in that"
                 " window, from the API server's audit log (user agent `pyhygiene/`, verbs create, update,"
                 f" patch, delete): **{writes}** ({breakdown}).", ""]
    else:
        body += ["Not run in this run.", ""]

    body += ["## 7. Event → verdict latency (issue 14, benchmark 4)", ""]
    churn = text(w, "churn.txt")
    if churn:
        p50 = num(r"p50=([0-9.]+)", churn)
        p99 = num(r"p99=([0-9.]+)", churn)
        missing = num(r"missing=(\d+)", churn)
        failed = num(r"failed=(\d+)", churn)
        rate, secs = num(r"rate=([0-9.]+)", churn), num(r"seconds=(\d+)", churn)
        targets.append((f"event -> verdict p99 <= 1 s at {rate:g} changes/s for {secs:g} s (target: 20/s, 60 s)",
                        f"p50 {p50:.0f} ms, p99 {p99:.0f} ms ({missing:.0f} without a verdict, {failed:.0f} failed)"
                        if p99 is not None else churn,
                        verdict(p99 is not None and p99 <= 1000 and missing == 0 and failed == 0)))
        against = (f" against a fresh operator (the chart's JVM and resync interval, `PYHYGIENE_RESYNC_INTERVAL="
                   f"{r['churn_resync']}`) over the {n} audited Deployments, started once its start-up pass had"
                   f" drained (every Deployment reconciled and JOSDK's queue empty, {r.get('churn_settled_seconds')} s"
                   " after its launch; section 6's interval would keep all of them queued at this size; a"
                   " periodic resync is a pass like the start-up one, and an event that arrives during it waits"
                   " behind it: not measured here):"
                   if "churn_resync" in r else
                   f" against the operator of section 6 ({n} Deployments audited):")
        body += ["`java -cp bench/target/benchmarks.jar io.pyhygiene.bench.ClusterBench churn <rate> <seconds>`"
                 f"{against} one change a tick on a"
                 " fixed schedule (open loop), each a strategic-merge patch of a different Deployment's pod"
                 " template (a new generation). The latency runs from the watch event carrying the new"
                 " generation (the API server's commit, as a watcher sees it) to the watch event carrying"
                 " pyhygiene's verdict for that generation (`pyhygiene.io/audited-generation` at least that"
                 " generation, the verdict label set); the same watch sees both, so its delivery delay"
                 f" cancels out. Load average before: {r.get('churn_load')}.", "", "```", churn, "```", ""]
    else:
        body += ["Not run in this run.", ""]

    body += [f"## 8. Operator memory at {n} Deployments (issue 14, benchmark 5)", ""]
    # label, RSS after audit, RSS after GC, live heap, peak RSS, audit s, NMT, command
    mem = [line.split("\t") for line in text(w, "memory-full.tsv").splitlines() if line]
    if mem:
        base = mem[0]
        best = min(mem, key=lambda m: int(m[2]))
        targets.append((f"operator RSS <= 300 MiB at {n} Deployments, JVM sized as in the chart",
                        f"the chart's JVM ({base[0]}): RSS {base[1]} MiB after the cold audit, {base[2]} MiB"
                        f" after a full GC, live heap {base[3]} MiB; lowest after GC: {best[0]},"
                        f" {best[2]} MiB",
                        (verdict(max(int(base[1]), int(base[2])) <= 300) if n >= 10000
                         else f"not comparable: the target is at 10,000 Deployments, this run had {n}")))
        body += ["Each line is one cold audit, as in section 5: the Deployments' pyhygiene metadata"
                 " removed (`ClusterBench reset`), then a fresh operator (`java -jar"
                 " dist/target/pyhygiene.jar run`, webhook off) started with that line's JVM, timed"
                 " until a watch sees the verdict label on every Deployment (JVM start included). Then"
                 " measured: RSS once every Deployment is audited (its gauge) and its report round is"
                 " written (`/proc/<pid>/status` VmRSS), the live heap (the total of `jcmd <pid>"
                 " GC.class_histogram`, which runs a full GC first), RSS 2 s after that GC, peak RSS (VmHWM) and Native"
                 " Memory Tracking's committed MiB by category (`jcmd <pid> VM.native_memory summary`;"
                 " NMT is on in every line and costs its own `Native_Memory_Tracking` entry plus a few"
                 " MiB of malloc headers). Every line has the chart's JVM options"
                 f" `{r.get('memory_chart_jvm', r.get('chart_jvm'))}` (the chart's `javaToolOptions` when"
                 " this part ran, with the JVM sized as in its"
                 " 768Mi container) plus `-XX:NativeMemoryTracking=summary` and the line's own"
                 " (bench/charts/memory-variants.txt); the first line is the chart's JVM as it was then. Java 17:"
                 f" {r.get('java17')}; Java 25: {r.get('java25', 'not found')}. Load average before:"
                 f" {r.get('memory_load_before')}; after: {r.get('memory_load_after')} (the lines ran one"
                 " after another: a busier machine makes a slower audit, not a bigger RSS). NMT's"
                 " `Java_Heap` is the heap committed, what the RSS holds of it once touched.", "",
                 "| JVM | RSS after audit (MiB) | RSS after full GC (MiB) | live heap (MiB) | peak RSS (MiB)"
                 " | cold audit (s) | NMT committed MiB by category, after GC |",
                 "|---|---|---|---|---|---|---|"]
        for m in mem:
            slow = ""
            try:
                if float(m[5]) > 1.25 * float(base[5]):
                    slow = f" ({float(m[5]) / float(base[5]):.2f}x the chart's: slower)"
            except (ValueError, ZeroDivisionError):
                pass
            body.append(f"| {m[0]} | {m[1]} | {m[2]} | {m[3]} | {m[4]} | {m[5]}{slow} | {m[6]} |")
        body += ["", "The commands (`JAVA_TOOL_OPTIONS` as each line ran it):", ""]
        for m in mem:
            if len(m) > 7:
                body.append(f"- {m[0]}: `{m[7].strip()}`")
        body.append("")
        # where the live heap goes: the first line's class histogram (kept by scripts/bench.sh)
        histogram = w / ("histogram-" + re.sub(r"[^A-Za-z0-9]", "_", base[0]) + ".txt")
        if histogram.exists():
            rows = [r for r in (line.split() for line in histogram.read_text().splitlines())
                    if len(r) >= 4 and re.match(r"^\d+:$", r[0])][:12]
            body += [f"Where the live heap goes ({base[0]}): the largest classes of `jcmd <pid>"
                     " GC.class_histogram` after the cold audit.", "",
                     "| class | instances | MiB |", "|---|---|---|"]
            body += [f"| `{r[3]}` | {int(r[1]):,} | {int(r[2]) / 1048576:.1f} |" for r in rows]
            body.append("")
    else:
        body += ["Not run in this run.", ""]

    charts = []
    if (a.out.parent / a.png_latency).exists() and (opened or churn):
        charts.append(f"![latency distributions]({a.png_latency})")
    if (a.out.parent / a.png_cluster).exists() and (cold or mem):
        charts.append(f"![cold audit and memory]({a.png_cluster})")

    head = ["# Benchmarks", "",
            f"Produced by `make bench` (`scripts/bench.sh`) on {datetime.date.today().isoformat()}:"
            f" {r.get('machine')}, {r.get('java17')}. BENCH_DEPLOYMENTS={n}; parts run: {' '.join(parts)}."
            " The machine is shared: each section gives the load average when it started. Numbers move"
            " with the load; the targets are what matters, and a missed one says so.", "",
            "## Targets", "", "| target | measured | met |", "|---|---|---|"]
    measured = {t.split(" ", 1)[0] for t, _, _ in targets}
    for key, target in (("offline", "offline audit <= 0.5x the fastest peer at 1,000 and 10,000 (benchmark 1)"),
                        ("webhook", "webhook server side p99 <= 10 ms at 200/s for 60 s (benchmark 6)"),
                        ("cold", "cold in-cluster audit <= 1.5x the floor (benchmark 2)"),
                        ("forced", "forced full resync of an unchanged cluster makes 0 writes (benchmark 3)"),
                        ("event", "event -> verdict p99 <= 1 s at 20 changes/s for 60 s (benchmark 4)"),
                        ("operator", "operator RSS <= 300 MiB at 10,000 Deployments (benchmark 5)")):
        if key not in measured:
            targets.append((target, "not measured in this run", "not measured"))
    head += [f"| {t} | {m} | {ok} |" for t, m, ok in targets]
    head.append("")
    if charts:
        head += charts + [""]
    a.out.write_text("\n".join(head + body))


if __name__ == "__main__":
    main()
