#!/usr/bin/env bash
# Issue 14, benchmark 1: the offline audit beside kube-score, Trivy and Checkov, and the CLI's
# JVM start-up. Writes a Markdown section and its PNG chart (for `make bench` to include).
#
#   scripts/bench-peers.sh [JAR]
#
# JAR: the shaded pyhygiene jar (default: PYHYGIENE_JAR, else dist/target/pyhygiene.jar, else
# operator/target/pyhygiene.jar). Installs the peers (scripts/peers.sh), a matplotlib venv and
# the launcher's class-data archive (scripts/cds.sh) when missing, all cached by version.
# Env: BENCH_PEER_SIZES (1000,10000), BENCH_PEER_RUNS (5), BENCH_PEER_SLOW_TOOLS (comma-separated
# tools timed only BENCH_PEER_SLOW_RUNS times, default: none; BENCH_PEER_SLOW_MAX_SIZE: run them
# only up to this N, default: every N), BENCH_PEER_OUT
# (docs/benchmarks-peers.md, the PNG beside it), BENCH_PEER_STARTUP (1: also the start-up study;
# 0: the last study's section in BENCH_PEER_OUT is kept, under a line saying it was not re-run),
# BENCH_PEER_TARGETS (a file: the target rows as tab-separated lines, for make bench's table).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${PYHYGIENE_CACHE:-$HOME/.cache/pyhygiene}"
MATPLOTLIB_VERSION=3.10.8
jar="${1:-${PYHYGIENE_JAR:-}}"
if [[ -z "$jar" ]]; then
  for candidate in dist/target/pyhygiene.jar operator/target/pyhygiene.jar; do
    [[ -f "$candidate" ]] && { jar="$candidate"; break; }
  done
fi
[[ -n "$jar" && -f "$jar" ]] || { echo "bench-peers: no jar (build it, or pass its path)" >&2; exit 2; }
out="${BENCH_PEER_OUT:-docs/benchmarks-peers.md}"
png="${out%.md}.png"
# Not under a hidden directory (~/.cache): Checkov's -d skips paths with a dot-directory in them
# and then reports nothing (measured: 0 findings on 1,000 Deployments).
work="${BENCH_PEER_WORK:-${TMPDIR:-/tmp}/pyhygiene-bench-peers}"

bash scripts/peers.sh install >/dev/null
venv="$CACHE/venv-bench-matplotlib-$MATPLOTLIB_VERSION"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import matplotlib' 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  nice -n 10 "$venv/bin/pip" install -q --disable-pip-version-check "matplotlib==$MATPLOTLIB_VERSION"
fi
bash scripts/cds.sh "$jar" >&2
export PYHYGIENE_JAR
PYHYGIENE_JAR="$(readlink -f "$jar")"  # the launcher runs this jar

mkdir -p "$work"
"$venv/bin/python" bench/peers/compare.py --jar "$jar" --launcher bin/pyhygiene \
  --launcher-label "Java on PATH, its class-data archive from scripts/cds.sh, C1, SerialGC, no logback" \
  --sizes "${BENCH_PEER_SIZES:-1000,10000}" --runs "${BENCH_PEER_RUNS:-5}" \
  --slow-tools "${BENCH_PEER_SLOW_TOOLS:-}" --slow-runs "${BENCH_PEER_SLOW_RUNS:-1}" \
  ${BENCH_PEER_SLOW_MAX_SIZE:+--slow-max-size "$BENCH_PEER_SLOW_MAX_SIZE"} \
  --work "$work" --out-md "$work/peers.md" --out-png "$png" --out-tsv "$work/peers-targets.tsv" >/dev/null
if [[ -n "${BENCH_PEER_TARGETS:-}" ]]; then cp "$work/peers-targets.tsv" "$BENCH_PEER_TARGETS"; fi
startup_heading="## JVM start-up of \`pyhygiene audit\`"
if [[ "${BENCH_PEER_STARTUP:-1}" == 1 ]]; then
  python3 bench/peers/startup.py --jar "$jar" --work "$work/startup" --runs "${BENCH_PEER_RUNS:-5}" \
    --sizes "0,${BENCH_PEER_SIZES:-1000,10000}" --out-md "$work/startup.md" >/dev/null
elif [[ -f "$out" ]] && grep -qxF "$startup_heading" "$out"; then
  # Not re-run: the last study's section, whose own first lines say when and with what it ran.
  { echo "$startup_heading"; echo
    echo "*Not re-run by the run above (BENCH_PEER_STARTUP=0): the last study, kept as it was written.*"
    awk -v h="$startup_heading" 'seen && !/^\*Not re-run by the run above/ {print} $0 == h {seen = 1}' "$out"
  } >"$work/startup.md"
else
  : >"$work/startup.md"
fi
cp "$work/peers.md" "$out"
if [[ -s "$work/startup.md" ]]; then { echo; cat "$work/startup.md"; } >>"$out"; fi
echo "wrote $out and $png" >&2
