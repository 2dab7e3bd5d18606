#!/usr/bin/env bash
# make bench: measures what the issues set targets for, and writes docs/benchmarks.md and its
# charts (docs/benchmarks-latency.png, docs/benchmarks-cluster.png).
#  0. offline audit beside kube-score, Trivy and Checkov (scripts/bench-peers.sh, issue 14 #1);
#  1. engine: JMH, one audit of a failing and a passing Deployment;
#  2. webhook: the real AdmissionServer over TLS, closed loop (throughput) and open loop at a
#     fixed rate (issue 14 #6);
#  3. CLI: audit of one file with N Deployments (wall time, max RSS);
#  4. on a dedicated local control plane (its own work dir and ports) with N Deployments:
#     cold audit beside its floor (issue 14 #2), idempotence under forced resyncs (#3), event ->
#     verdict latency under churn (#4) (part "cluster"); operator memory by JVM configuration,
#     one cold audit per variant (#5) (part "memory").
# Env: BENCH_DEPLOYMENTS (default 10000), BENCH_PARTS (peers engine webhook cli cluster memory),
# BENCH_COLD_RUNS (5: alternating operator/floor pairs), BENCH_WEBHOOK_REQUESTS (20000),
# BENCH_WEBHOOK_RATE (200/s), BENCH_WEBHOOK_SECONDS (60), BENCH_CHURN_RATE (20/s),
# BENCH_CHURN_SECONDS (60), BENCH_RESYNC_SECONDS (30), BENCH_STEADY_SECONDS (75),
# BENCH_MEMORY_VARIANTS_FILE (bench/charts/memory-variants.txt), BENCH_BUILD (1: mvn package
# first), BENCH_OUT (docs/benchmarks.md), BENCH_KEEP (a directory: keep the raw results there),
# BENCH_WORK (below), and scripts/bench-peers.sh's BENCH_PEER_* (make bench's defaults for them
# at part 0). Timings depend on the machine and its load: the file records both.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${BENCH_DEPLOYMENTS:-10000}"
COLD_RUNS="${BENCH_COLD_RUNS:-5}"
REQUESTS="${BENCH_WEBHOOK_REQUESTS:-20000}"
WEBHOOK_RATE="${BENCH_WEBHOOK_RATE:-200}"
WEBHOOK_SECONDS="${BENCH_WEBHOOK_SECONDS:-60}"
CHURN_RATE="${BENCH_CHURN_RATE:-20}"
CHURN_SECONDS="${BENCH_CHURN_SECONDS:-60}"
RESYNC="${BENCH_RESYNC_SECONDS:-30}"
STEADY="${BENCH_STEADY_SECONDS:-75}"
OUT="${BENCH_OUT:-docs/benchmarks.md}"
PNG_LATENCY="$(dirname "$OUT")/benchmarks-latency.png"
PNG_CLUSTER="$(dirname "$OUT")/benchmarks-cluster.png"
CACHE="${PYHYGIENE_CACHE:-$HOME/.cache/pyhygiene}"
MATPLOTLIB_VENV="$CACHE/venv-bench-matplotlib-3.10.8"  # the one scripts/bench-peers.sh installs
JAVA17="${BENCH_JAVA17:-java}"
JAVA25="${BENCH_JAVA25:-$(find /usr/lib/jvm /opt -maxdepth 3 -path '*temurin-25*/bin/java' 2>/dev/null | head -1)}"
# The chart: a 768Mi memory limit, javaToolOptions from values.yaml. MaxRAM makes a local JVM
# size its heap as in that container; the GC is named because a JVM picks it from the machine's
# memory, not from MaxRAM: in the container (under 1792 MiB, not a "server-class machine") it is
# Serial, here (23 GiB) it would be G1.
CHART_JVM="-XX:MaxRAM=768m -XX:+UseSerialGC $(sed -n 's/^javaToolOptions: "\(.*\)"$/\1/p' helm/pyhygiene/values.yaml)"
# and the chart's MALLOC_ARENA_MAX (mallocArenaMax), for every operator the bench starts
CHART_ARENAS="$(sed -n 's/^mallocArenaMax: "\(.*\)"$/\1/p' helm/pyhygiene/values.yaml)"
# BENCH_WORK: a directory that keeps the raw results and gathers them over several runs (one
# BENCH_PARTS each: the report covers every part that ran into it); default a fresh temporary one.
if [[ -n "${BENCH_WORK:-}" ]]; then
  WORK="$(mkdir -p "$BENCH_WORK" && cd "$BENCH_WORK" && pwd)"
else
  WORK="$(mktemp -d /tmp/pyhygiene-bench.XXXXXX)"
fi
# The operator runs as a local process here: a control plane without the node, on ports of its own.
export PYHYGIENE_NODE=0 PYHYGIENE_E2E_WORK="$PWD/e2e/.work-bench" PYHYGIENE_APISERVER_PORT=20443 \
  PYHYGIENE_KCM_PORT=20444 PYHYGIENE_ETCD_PORT=28790 PYHYGIENE_ETCD_PEER_PORT=28800
OPERATOR_PID=""
OPERATOR_JCMD=jcmd
OPERATOR_HTTP=18090
cleanup() {
  [[ -n "$OPERATOR_PID" ]] && kill "$OPERATOR_PID" 2>/dev/null && wait "$OPERATOR_PID" 2>/dev/null
  WIPE=1 bash e2e/bin/cluster-down.sh >/dev/null 2>&1 || true
  [[ -n "${BENCH_WORK:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# Write requests the operator made in the audit log from line $1 on (user agent pyhygiene/).
operator_writes() {
  tail -n +"$1" "$PYHYGIENE_E2E_WORK/audit.log" | python3 -c '
import collections, json, sys
c = collections.Counter()
for line in sys.stdin:
    e = json.loads(line)
    if (e.get("userAgent", "").startswith("pyhygiene/") and e.get("stage") == "ResponseComplete"
            and e.get("verb") in ("create", "update", "patch", "delete")):
        c[(e["verb"], e["objectRef"].get("resource"), e.get("responseStatus", {}).get("code"))] += 1
print(sum(c.values()), ", ".join(f"{n} {v} {r} ({code})" for (v, r, code), n in c.most_common()) or "none")'
}
bench_java() { java -cp bench/target/benchmarks.jar "$@"; }
# Starts the operator: start_operator <java> <jvm options> <log name> [NAME=value ...]. Its
# resync interval is BENCH_RESYNC_SECONDS unless OPERATOR_RESYNC names another (a Go duration).
start_operator() {
  local javabin="$1" opts="$2" name="$3"
  shift 3
  env ${CHART_ARENAS:+MALLOC_ARENA_MAX="$CHART_ARENAS"} "$@" PYHYGIENE_HTTP_PORT=$OPERATOR_HTTP PYHYGIENE_WEBHOOK_ENABLED=false \
    PYHYGIENE_RESYNC_INTERVAL="${OPERATOR_RESYNC:-${RESYNC}s}" JAVA_TOOL_OPTIONS="$opts" \
    "$javabin" -jar "$JAR" run </dev/null >"$WORK/$name.out" 2>"$WORK/$name.log" &
  OPERATOR_PID=$!
  # jcmd of the same JDK (one of another version may fail to attach)
  OPERATOR_JCMD="$(dirname "$(readlink -f "$(command -v "$javabin")")")/jcmd"
}
stop_operator() {
  kill "$OPERATOR_PID" 2>/dev/null || true
  wait "$OPERATOR_PID" 2>/dev/null || true
  OPERATOR_PID=""
}
# metric_sum <awk regex>: the sum of the operator's samples whose line matches; "" when none does.
metric_sum() {
  curl -s "localhost:$OPERATOR_HTTP/metrics" 2>/dev/null \
    | awk -v re="$1" '$0 ~ re {s+=$NF; seen=1} END {if (seen) printf "%d", s}' || true
}
# poll_operator <check> <on timeout>: runs the check (a command) once a second until it succeeds,
# at most 600 times, then runs the other and fails; fails as soon as the operator has exited.
poll_operator() {
  for _ in $(seq 1 600); do
    $1 && return 0
    kill -0 "$OPERATOR_PID" 2>/dev/null || { log "operator exited"; return 1; }
    sleep 1
  done
  $2
  return 1
}
# Waits (bounded) until the operator's own gauge counts N audited Deployments.
wait_audited() {
  local audited=0
  all_audited() { audited=$(metric_sum '^pyhygiene_workloads[{]'); [[ "${audited:-0}" -ge "$N" ]]; }
  not_audited() { log "operator did not audit all $N (gauge ${audited:-0})"; }
  poll_operator all_audited not_audited
}
# Waits (bounded) until JOSDK's gauges show no Deployment reconcile queued or running.
wait_idle() {
  reconciler_idle() {
    [[ "$(metric_sum '^operator_sdk_reconciliations_(executions|queue_size)_deployments[ {]')" == 0 ]]
  }
  not_idle() { log "the operator's reconcile queue did not drain"; }
  poll_operator reconciler_idle not_idle
}
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$OPERATOR_PID/status"; }
# measure_memory <label> <audit seconds> <command>: RSS when every Deployment is audited, then the
# live heap (a full GC's class histogram) and RSS 2 s after it, peak RSS, NMT's breakdown
# (committed MiB by category): one line of memory-full.tsv: label, RSS after audit, RSS after GC,
# live heap, peak RSS, audit s, NMT, command.
measure_memory() {
  sleep 5  # the last report round
  local rss_audit live nmt
  rss_audit=$(( $(rss_kib) / 1024 ))
  # the class histogram runs a full GC first: its total is the live heap
  # (kept, its 30 largest classes, in histogram-<label>.txt: where the heap goes)
  "$OPERATOR_JCMD" "$OPERATOR_PID" GC.class_histogram >"$WORK/histogram.tmp"
  live=$(awk '/^Total/ {printf "%.0f", $3 / 1048576}' "$WORK/histogram.tmp")
  { head -33 "$WORK/histogram.tmp"; tail -1 "$WORK/histogram.tmp"; } >"$WORK/histogram-${1//[^A-Za-z0-9]/_}.txt"
  rm -f "$WORK/histogram.tmp"
  sleep 2
  nmt=$("$OPERATOR_JCMD" "$OPERATOR_PID" VM.native_memory summary | python3 -c '
import re, sys
parts = []
for line in sys.stdin:
    line = line.strip()
    m = re.match(r"^Total: reserved=(\d+)KB, committed=(\d+)KB", line)
    if m:
        parts.insert(0, f"total={int(m.group(2)) // 1024}")
    m = re.match(r"^-\s+(.+?) \(reserved=(\d+)KB, committed=(\d+)KB\)", line)
    if m:
        if int(m.group(3)) >= 1024:  # categories of at least 1 MiB
            parts.append(f"{m.group(1).replace(chr(32), chr(95))}={int(m.group(3)) // 1024}")
print(" ".join(parts))')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$rss_audit" "$(( $(rss_kib) / 1024 ))" "$live" \
    "$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$OPERATOR_PID/status")" "$2" "$nmt" "$3" \
    >>"$WORK/memory-full.tsv"
  cut -f1-4 "$WORK/memory-full.tsv" >"$WORK/memory.tsv"
  log "memory $1: $(tail -1 "$WORK/memory-full.tsv")"
}

PARTS=" ${BENCH_PARTS:-peers engine webhook cli cluster memory} "
part() { [[ "$PARTS" == *" $1 "* ]]; }
# One result a line, "key<TAB>value", for bench/charts/report.py.
res() { printf '%s\t%s\n' "$1" "$2" >>"$WORK/results.tsv"; }
res deployments "$N"
res machine "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') x $(nproc) cores, $(free -m | awk '/Mem:/ {print $2}') MiB"
res java17 "$("$JAVA17" -version 2>&1 | head -1)"
if [[ -n "$JAVA25" ]]; then res java25 "$("$JAVA25" -version 2>&1 | head -1)"; fi
res chart_jvm "$CHART_JVM${CHART_ARENAS:+ (and MALLOC_ARENA_MAX=$CHART_ARENAS)}"
res parts "$PARTS"

log "building"
if [[ "${BENCH_BUILD:-1}" == 1 ]]; then
  mvn -B -q package -DskipTests
fi
# shellcheck source=../build.env
source build.env
JAR="$DIST_JAR"

# ------------------------------------------------------------------------- 0 peers (issue 14 #1)
if part peers; then
  log "0 offline audit beside the peers (scripts/bench-peers.sh), load $(load)"
  # make bench's defaults, to end in about 25 minutes: Trivy and Checkov (50-100x slower than
  # kube-score, the fastest peer the target is measured against) once each and only at 1,000;
  # the JVM start-up study (25 more minutes) kept from its last run. Set them to override.
  BENCH_PEER_SLOW_TOOLS="${BENCH_PEER_SLOW_TOOLS-trivy config,checkov}" \
    BENCH_PEER_SLOW_MAX_SIZE="${BENCH_PEER_SLOW_MAX_SIZE-1000}" \
    BENCH_PEER_STARTUP="${BENCH_PEER_STARTUP:-0}" BENCH_PEER_TARGETS="$WORK/peers-targets.tsv" \
    bash scripts/bench-peers.sh "$JAR"
  res peers ran
fi

# ---------------------------------------------------------------------------------- 1 engine
if part engine; then
  log "1 engine (JMH), load $(load)"
  java -jar bench/target/benchmarks.jar AuditorBenchmark -rf json -rff "$WORK/jmh.json" \
    >"$WORK/jmh.txt" 2>&1
fi

# --------------------------------------------------------------------------------- 2 webhook
if part webhook; then
  ( cd "$WORK" && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
      -subj /CN=bench-ca -addext basicConstraints=critical,CA:TRUE 2>/dev/null \
    && openssl req -newkey rsa:2048 -nodes -keyout tls.key -out tls.csr -subj /CN=127.0.0.1 2>/dev/null \
    && printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >ext \
    && openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile ext \
         -out tls.crt 2>/dev/null )
  log "2a webhook, closed loop ($REQUESTS AdmissionReviews, 4 client threads), load $(load)"
  res webhook_closed_load "$(load)"
  res webhook_requests "$REQUESTS"
  bench_java io.pyhygiene.bench.WebhookLatency "$WORK" "$REQUESTS" 4 >"$WORK/webhook-closed.txt" 2>/dev/null
  log "2b webhook, open loop ($WEBHOOK_RATE/s for $WEBHOOK_SECONDS s), load $(load)"
  res webhook_open_load "$(load)"
  res webhook_rate "$WEBHOOK_RATE"
  res webhook_seconds "$WEBHOOK_SECONDS"
  bench_java io.pyhygiene.bench.WebhookOpenLoop "$WORK" "$WEBHOOK_RATE" "$WEBHOOK_SECONDS" 20 \
    "$WORK/webhook-cdf.txt" >"$WORK/webhook-open.txt" 2>/dev/null || log "open loop: failed requests"
fi

# ------------------------------------------------------------------------------------- 3 CLI
python3 - "$N" "$WORK/many.yaml" <<'EOF'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
bad = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: web-{i}, namespace: ns-{ns}, labels: {{app: web-{i}}}}}
spec:
  replicas: 0
  selector: {{matchLabels: {{app: web-{i}}}}}
  template:
    metadata: {{labels: {{app: web-{i}}}}}
    spec:
      containers:
        - name: web
          image: registry.acme.internal:5000/web:latest
          command: ["sh", "-c", "python manage.py migrate && gunicorn app.wsgi -w 8 --bind 0.0.0.0:8000"]
          ports: [{{containerPort: 8000}}]
          env: [{{name: DJANGO_DEBUG, value: "True"}}]
"""
good = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: api-{i}, namespace: ns-{ns}, labels: {{app: api-{i}}}}}
spec:
  replicas: 0
  selector: {{matchLabels: {{app: api-{i}}}}}
  template:
    metadata: {{labels: {{app: api-{i}}}}}
    spec:
      terminationGracePeriodSeconds: 40
      securityContext: {{runAsNonRoot: true, runAsUser: 10001, seccompProfile: {{type: RuntimeDefault}}}}
      containers:
        - name: api
          image: ghcr.io/acme/api:2.3.1
          command: ["sh", "-c", "exec uvicorn app:app --workers 2 --timeout-graceful-shutdown 25"]
          env: [{{name: PYTHONUNBUFFERED, value: "1"}}]
          resources: {{requests: {{memory: 384Mi}}, limits: {{memory: 512Mi}}}}
          securityContext: {{allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {{drop: [ALL]}}}}
"""
with open(path, "w") as f:
    for i in range(n):
        f.write("---\n" + (bad if i % 2 == 0 else good).format(i=i, ns=i % 20))
EOF
if part cli; then
  log "3 CLI over one file with $N Deployments, load $(load)"
  /usr/bin/time -f '%e %M' -o "$WORK/cli.time" java -jar "$JAR" audit -f "$WORK/many.yaml" -o json \
    --fail-on never >"$WORK/cli.json" 2>/dev/null
  read -r CLI_SECONDS CLI_KB <"$WORK/cli.time"
  res cli_seconds "$CLI_SECONDS"
  res cli_rss_mib "$((CLI_KB / 1024))"
  res cli_workloads "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['workloads'])" "$WORK/cli.json")"
fi

# ----------------------------------------------------------------- 4 in-cluster (issue 14 #2-#5)
# cold_run <operator|floor> <run> [<memory label> <java> <JVM options> [NAME=value ...]]: from
# Deployments without pyhygiene's metadata (reset: an empty apply under pyhygiene's field manager)
# until a watch sees the verdict label on all N. With a memory label (4d) the operator runs with
# that Java and those JVM options and NMT, and measure_memory records it instead of cold-ms.tsv.
cold_run() {
  local kind="$1" run="$2" label="${3:-}" javabin="${4:-$JAVA17}" opts="${5:-$CHART_JVM}"
  shift $(( $# < 5 ? $# : 5 ))
  bench_java io.pyhygiene.bench.ClusterBench reset 8 >>"$WORK/reset.txt" </dev/null
  bench_java io.pyhygiene.bench.ClusterBench await "$N" 900 >"$WORK/await.txt" </dev/null &
  local await_pid=$! t0 floor_pid="" at
  for _ in $(seq 1 240); do grep -q '^ready' "$WORK/await.txt" && break; sleep 0.5; done
  grep -q '^ready 0$' "$WORK/await.txt" || { log "cold run: labels left after reset: $(cat "$WORK/await.txt")"; return 1; }
  t0=$(date +%s%3N)
  if [[ "$kind" == operator ]]; then
    start_operator "$javabin" "$opts" "cold-$run" "$@"
  else
    bench_java io.pyhygiene.bench.ClusterBench floor 4 >"$WORK/floor-$run.txt" 2>&1 </dev/null &
    floor_pid=$!
  fi
  wait "$await_pid" || { log "cold $kind run $run timed out: $(cat "$WORK/await.txt")"; return 1; }
  at=$(sed -n 's/^labelled [0-9]* at //p' "$WORK/await.txt")
  if [[ "$kind" == operator ]]; then
    # (timed already) let it finish its report round, so that a PolicyReport or policy status
    # left half-written by this stop is not counted as a write of the next phase's resync
    wait_audited
    if [[ -n "$label" ]]; then
      measure_memory "$label" "$(awk -v ms=$(( at - t0 )) 'BEGIN {printf "%.1f", ms / 1000}')" \
        "$* JAVA_TOOL_OPTIONS=\"$opts\" $javabin -jar $JAR run"
    else
      sleep 3
    fi
    stop_operator
  else
    wait "$floor_pid"
  fi
  [[ -n "$label" ]] && return 0
  printf '%s\t%s\t%s\n' "$kind" "$run" "$(( at - t0 ))" >>"$WORK/cold-ms.tsv"
  log "cold $kind run $run: $(( at - t0 )) ms, load $(load)"
}

if part cluster || part memory; then
  log "4 control plane with $N Deployments"
  bash e2e/bin/cluster-up.sh >/dev/null  # builds the control plane's binaries when missing
  KUBECTL="$(find "$CACHE/bin" -maxdepth 1 -name 'kubectl-v*' | sort -V | tail -1)"
  export KUBECONFIG="$PYHYGIENE_E2E_WORK/kubeconfig"
  "$KUBECTL" apply --server-side -f crds/pythonhygienepolicies.pyhygiene.io-v1.yml \
    -f crds/optional/wgpolicyk8s.io_policyreports.yaml >/dev/null
  for ns in $(seq 0 19); do "$KUBECTL" create namespace "ns-$ns" >/dev/null; done
  # split by documents, four kubectl processes in parallel
  python3 - "$WORK/many.yaml" "$WORK" <<'PY'
import sys
docs = open(sys.argv[1]).read().split('---\n')[1:]
for k in range(4):
    open(f"{sys.argv[2]}/chunk-{k}.yaml", "w").write("".join("---\n" + d for d in docs[k::4]))
PY
  T_CREATE=$(date +%s)
  for k in 0 1 2 3; do "$KUBECTL" create -f "$WORK/chunk-$k.yaml" >/dev/null & done
  wait
  log "created $N Deployments in $(( $(date +%s) - T_CREATE )) s"
  "$KUBECTL" apply -f - >/dev/null <<'YAML'
apiVersion: pyhygiene.io/v1alpha1
kind: PythonHygienePolicy
metadata: {name: bench}
spec: {mode: Audit}
YAML

fi

if part cluster; then
  # -- 4a cold audit beside its floor, alternating (issue 14 #2)
  res cold_load_before "$(load)"
  # floor, operator, floor, operator, ...: the operator's metadata is what 4b restarts over
  for run in $(seq 1 "$COLD_RUNS"); do
    cold_run floor "$run"
    cold_run operator "$run"
  done
  res cold_load_after "$(load)"
  awk -F'\t' '{printf "%s\t%s\t%.1f\n", $1, $2, $3 / 1000}' "$WORK/cold-ms.tsv" >"$WORK/cold.tsv"

  # -- 4b idempotence (issue 14 #3), then 4c event -> verdict under churn (#4)
  # A restart over an audited, unchanged cluster is a forced full resync of every Deployment;
  # the window then holds more periodic resyncs (PYHYGIENE_RESYNC_INTERVAL).
  log "4b restart over the audited cluster, resync every ${RESYNC}s, window ${STEADY}s, load $(load)"
  MARK=$(( $(wc -l <"$PYHYGIENE_E2E_WORK/audit.log") + 1 ))
  start_operator "$JAVA17" "$CHART_JVM" steady
  T_START=$(date +%s)
  wait_audited
  res resync_audited_seconds "$(( $(date +%s) - T_START ))"
  sleep "$STEADY"
  res resync_window_seconds "$(( $(date +%s) - T_START ))"
  res resync_interval_seconds "$RESYNC"
  res resync_writes "$(operator_writes "$MARK")"
  stop_operator
  # The churn runs against a fresh operator at the chart's resync interval (values.yaml), once its
  # start-up pass over the N Deployments has drained: with the window's interval above (every
  # Deployment re-reconciled every BENCH_RESYNC_SECONDS) the queue never drains at N=10,000, and
  # the latency measured would be that queue's, not an event's.
  CHART_RESYNC="$(sed -n 's/^resyncInterval: *\(.*\)$/\1/p' helm/pyhygiene/values.yaml)"
  OPERATOR_RESYNC="$CHART_RESYNC" start_operator "$JAVA17" "$CHART_JVM" churn
  T_START=$(date +%s)
  wait_audited
  wait_idle
  res churn_resync "$CHART_RESYNC"
  res churn_settled_seconds "$(( $(date +%s) - T_START ))"
  log "4c churn at $CHURN_RATE changes/s for $CHURN_SECONDS s, load $(load)"
  res churn_load "$(load)"
  bench_java io.pyhygiene.bench.ClusterBench churn "$CHURN_RATE" "$CHURN_SECONDS" \
    "$WORK/churn-ms.txt" >"$WORK/churn.txt"
  stop_operator

fi

# -- 4d memory by JVM configuration (issue 14 #5): each line of the variants file one cold audit
# of the N Deployments by a fresh operator (as in 4a), measured when all are audited and after a
# full GC. The first line is the chart's JVM as it ships.
if part memory; then
  res memory_chart_jvm "$CHART_JVM${CHART_ARENAS:+ (and MALLOC_ARENA_MAX=$CHART_ARENAS)}"
  res memory_load_before "$(load)"
  # this run's lines only (a BENCH_WORK reused from an earlier run holds that run's lines)
  rm -f "$WORK/memory-full.tsv" "$WORK/memory.tsv" "$WORK"/histogram-*.txt
  run=0
  while IFS='|' read -r label javabin opts environment <&3; do
    [[ -z "$label" || "$label" == \#* ]] && continue
    if [[ "$javabin" == java25 ]]; then
      [[ -n "$JAVA25" ]] || { log "4d memory: $label skipped, no Java 25"; continue; }
      javabin="$JAVA25"
    else
      javabin="$JAVA17"
    fi
    run=$(( run + 1 ))
    log "4d memory: $label, load $(load)"
    read -ra environment <<<"$environment"
    cold_run operator "mem-$run" "$label" "$javabin" \
      "$CHART_JVM -XX:NativeMemoryTracking=summary $opts" "${environment[@]}" \
      || log "4d memory: $label failed"
  done 3<"${BENCH_MEMORY_VARIANTS_FILE:-bench/charts/memory-variants.txt}"
  res memory_load_after "$(load)"
fi

# -------------------------------------------------------------------------------------- report
if [[ ! -x "$MATPLOTLIB_VENV/bin/python" ]] || ! "$MATPLOTLIB_VENV/bin/python" -c 'import matplotlib' 2>/dev/null; then
  rm -rf "$MATPLOTLIB_VENV"
  python3 -m venv "$MATPLOTLIB_VENV"
  nice -n 10 "$MATPLOTLIB_VENV/bin/pip" install -q --disable-pip-version-check matplotlib==3.10.8
fi
"$MATPLOTLIB_VENV/bin/python" bench/charts/charts.py --work "$WORK" --out-latency "$PNG_LATENCY" \
  --out-cluster "$PNG_CLUSTER" >&2
python3 bench/charts/report.py --work "$WORK" --out "$OUT" \
  --png-latency "$(basename "$PNG_LATENCY")" --png-cluster "$(basename "$PNG_CLUSTER")"
if [[ -n "${BENCH_KEEP:-}" ]]; then rm -rf "$BENCH_KEEP"; cp -r "$WORK" "$BENCH_KEEP"; fi
log "wrote $OUT"
