"""Renders make bench's charts (issue 14): latency distributions and the in-cluster figures.

Usage: charts.py --work DIR --out-latency PNG --out-cluster PNG

Reads from DIR what scripts/bench.sh wrote (missing files leave their panel out):
  webhook-cdf.txt  lines "percentile server_ms client_ms" (WebhookOpenLoop)
  churn-ms.txt     one event->verdict latency in ms a line (ClusterBench churn)
  cold.tsv         lines "kind run seconds" (kind: operator or floor)
  memory.tsv       lines "variant<TAB>rss_after_audit_mib<TAB>rss_after_gc_mib<TAB>live_heap_mib"
"""
import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def rows(path):
    if not path.exists():
        return []
    return [line.rstrip("\n").split("\t" if "\t" in line else None)
            for line in path.read_text().splitlines() if line.strip()]


def figure(panels, width, height):
    """One row of panels, or None when there is nothing to draw."""
    panels = [p for p in panels if p]
    if not panels:
        return None, None, []
    fig, axes = plt.subplots(1, len(panels), figsize=(width * len(panels), height), squeeze=False)
    return fig, axes[0], panels


def latency(work, out):
    cdf = [tuple(map(float, r)) for r in rows(work / "webhook-cdf.txt")]
    churn = sorted(float(r[0]) for r in rows(work / "churn-ms.txt"))
    fig, axes, panels = figure((cdf and "webhook", churn and "churn"), 6, 4.2)
    if fig is None:
        return False
    for ax, panel in zip(axes, panels):
        if panel == "webhook":
            ax.plot([c[1] for c in cdf], [c[0] * 100 for c in cdf], label="server side")
            ax.plot([c[2] for c in cdf], [c[0] * 100 for c in cdf], label="client side (from the scheduled send)")
            ax.axvline(10, color="red", linestyle="--", linewidth=1, label="target p99 10 ms")
            ax.set_xscale("log")
            ax.set_xlabel("latency (ms, log scale)")
            ax.set_ylabel("percentile")
            ax.set_title("Admission webhook, open loop")
        else:
            n = len(churn)
            ax.plot(churn, [100 * (i + 1) / n for i in range(n)], label=f"{n} changes")
            ax.axvline(1000, color="red", linestyle="--", linewidth=1, label="target p99 1 s")
            ax.set_xscale("log")
            ax.set_xlabel("change -> verdict (ms, log scale)")
            ax.set_ylabel("percentile")
            ax.set_title("Event -> verdict latency")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    return True


def cluster(work, out):
    cold = rows(work / "cold.tsv")
    memory = rows(work / "memory.tsv")
    fig, axes, panels = figure((cold and "cold", memory and "memory"), 6.5, max(4.4, 0.45 * len(memory)))
    if fig is None:
        return False
    for ax, panel in zip(axes, panels):
        if panel == "cold":
            for kind, marker in (("operator", "o"), ("floor", "s")):
                pts = [(int(r[1]), float(r[2])) for r in cold if r[0] == kind]
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=marker, label=kind)
            ax.set_xticks(sorted({int(r[1]) for r in cold}))
            ax.set_xlabel("run (floor, then operator)")
            ax.set_ylabel("seconds until every Deployment is labelled")
            ax.set_ylim(bottom=0)
            ax.set_title("Cold in-cluster audit")
            ax.legend(fontsize=8)
        else:
            names = [r[0] for r in memory]
            audit = [float(r[1]) for r in memory]
            rss = [float(r[2]) for r in memory]
            heap = [float(r[3]) for r in memory]
            y = range(len(names))
            ax.barh([i - 0.27 for i in y], audit, height=0.27, label="RSS after the cold audit")
            ax.barh(list(y), rss, height=0.27, label="RSS after full GC")
            ax.barh([i + 0.27 for i in y], heap, height=0.27, label="live heap (after a full GC)")
            ax.axvline(300, color="red", linestyle="--", linewidth=1, label="target RSS 300 MiB")
            ax.set_yticks(list(y))
            ax.set_yticklabels(names, fontsize=7)
            ax.invert_yaxis()
            ax.set_xlabel("MiB")
            ax.set_title("Operator memory by JVM configuration")
            ax.legend(fontsize=8)
        ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--out-latency", type=Path, required=True)
    ap.add_argument("--out-cluster", type=Path, required=True)
    a = ap.parse_args()
    for name, fn, out in (("latency", latency, a.out_latency), ("cluster", cluster, a.out_cluster)):
        print(f"{name}: {'wrote ' + str(out) if fn(a.work, out) else 'no data'}")


if __name__ == "__main__":
    main()
