#!/usr/bin/env bash
# make bench: measures what the issues set targets for, and writes docs/benchmarks.md.
#  1. engine: JMH, one audit of a failing and a passing Deployment;
#  2. webhook: the real AdmissionServer over TLS, server-side and client-side latency;
#  3. CLI: audit of one file with N Deployments (wall time, max RSS);
#  4. operator at scale: N Deployments on a dedicated local control plane (its own work dir and
#     ports), time until all are audited, RSS and heap after GC, writes in a steady window.
# Env: BENCH_DEPLOYMENTS (default 10000), BENCH_WEBHOOK_REQUESTS (20000), BENCH_OUT
# (docs/benchmarks.md). Timings depend on the machine and its load: the file records both.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${BENCH_DEPLOYMENTS:-10000}"
REQUESTS="${BENCH_WEBHOOK_REQUESTS:-20000}"
RESYNC="${BENCH_RESYNC_SECONDS:-60}"
STEADY="${BENCH_STEADY_SECONDS:-150}"
OUT="${BENCH_OUT:-docs/benchmarks.md}"
CACHE="${PYHYGIENE_CACHE:-$HOME/.cache/pyhygiene}"
WORK="$(mktemp -d /tmp/pyhygiene-bench.XXXXXX)"
# The operator runs as a local process here: a control plane without the node.
export PYHYGIENE_NODE=0 PYHYGIENE_E2E_WORK="$PWD/e2e/.work-bench" PYHYGIENE_APISERVER_PORT=19643 \
  PYHYGIENE_KCM_PORT=19644 PYHYGIENE_ETCD_PORT=29790 PYHYGIENE_ETCD_PEER_PORT=29800
OPERATOR_PID=""
cleanup() {
  [[ -n "$OPERATOR_PID" ]] && kill "$OPERATOR_PID" 2>/dev/null && wait "$OPERATOR_PID" 2>/dev/null
  WIPE=1 bash e2e/bin/cluster-down.sh >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# Write requests the operator made so far (user agent pyhygiene/, from the API server's audit log).
operator_writes() {
  python3 - "$PYHYGIENE_E2E_WORK/audit.log" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if (e.get("userAgent", "").startswith("pyhygiene/") and e.get("stage") == "ResponseComplete"
            and e.get("verb") in ("create", "update", "patch", "delete")):
        n += 1
print(n)
EOF
}

log "building"
bash e2e/bin/tools.sh >/dev/null
mvn -B -q package -DskipTests
# shellcheck source=../build.env
source build.env
JAR="$DIST_JAR"
KUBECTL="$(find "$CACHE/bin" -maxdepth 1 -name 'kubectl-v*' | sort -V | tail -1)"

# ---------------------------------------------------------------------------------- 1 engine
log "1/4 engine (JMH)"
java -jar bench/target/benchmarks.jar AuditorBenchmark -rf json -rff "$WORK/jmh.json" \
  >"$WORK/jmh.txt" 2>&1
ENGINE=$(python3 - "$WORK/jmh.json" <<'EOF'
import json, sys
for b in json.load(open(sys.argv[1])):
    m = b["primaryMetric"]
    print(f"| `{b['benchmark'].rsplit('.', 1)[1]}` | {m['score']:.1f} ± {m['scoreError']:.1f} {m['scoreUnit']} |")
EOF
)

# --------------------------------------------------------------------------------- 2 webhook
log "2/4 webhook latency ($REQUESTS AdmissionReviews, 4 client threads)"
( cd "$WORK" && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
    -subj /CN=bench-ca -addext basicConstraints=critical,CA:TRUE 2>/dev/null \
  && openssl req -newkey rsa:2048 -nodes -keyout tls.key -out tls.csr -subj /CN=127.0.0.1 2>/dev/null \
  && printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >ext \
  && openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile ext \
       -out tls.crt 2>/dev/null )
WEBHOOK=$(java -cp bench/target/benchmarks.jar io.pyhygiene.bench.WebhookLatency "$WORK" "$REQUESTS" 4 2>/dev/null)

# ------------------------------------------------------------------------------------- 3 CLI
log "3/4 CLI over one file with $N Deployments"
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
/usr/bin/time -f '%e %M' -o "$WORK/cli.time" java -jar "$JAR" audit -f "$WORK/many.yaml" -o json \
  --fail-on never >"$WORK/cli.json" 2>/dev/null
read -r CLI_SECONDS CLI_KB <"$WORK/cli.time"
CLI_COUNT=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['workloads'])" "$WORK/cli.json")

# -------------------------------------------------------------------------- 4 operator at scale
log "4/4 operator with $N Deployments on a dedicated control plane"
bash e2e/bin/cluster-up.sh >/dev/null
export KUBECONFIG="$PYHYGIENE_E2E_WORK/kubeconfig"
"$KUBECTL" apply --server-side -f crds/pythonhygienepolicies.pyhygiene.io-v1.yml \
  -f crds/optional/wgpolicyk8s.io_policyreports.yaml >/dev/null
for ns in $(seq 0 19); do "$KUBECTL" create namespace "ns-$ns" >/dev/null; done
# split by documents, four kubectl processes in parallel
python3 - "$WORK/many.yaml" "$WORK" <<'EOF'
import sys
docs = open(sys.argv[1]).read().split('---\n')[1:]
for k in range(4):
    open(f"{sys.argv[2]}/chunk-{k}.yaml", "w").write("".join("---\n" + d for d in docs[k::4]))
EOF
T_CREATE=$(date +%s)
for k in 0 1 2 3; do "$KUBECTL" create -f "$WORK/chunk-$k.yaml" >/dev/null & done
wait
log "created $N Deployments in $(( $(date +%s) - T_CREATE )) s"
cat <<EOF | "$KUBECTL" apply -f - >/dev/null
apiVersion: pyhygiene.io/v1alpha1
kind: PythonHygienePolicy
metadata: {name: bench}
spec: {mode: Audit}
EOF
T0=$(date +%s)
PYHYGIENE_HTTP_PORT=18090 PYHYGIENE_WEBHOOK_ENABLED=false PYHYGIENE_RESYNC_INTERVAL=${RESYNC}s \
  JAVA_TOOL_OPTIONS="-XX:MaxRAM=768m -XX:MaxRAMPercentage=50" java -jar "$JAR" run >"$WORK/operator.out" 2>"$WORK/operator.log" &
OPERATOR_PID=$!
# Progress from the operator's own gauge (cheap), not by listing N Deployments every round.
audited=0
for _ in $(seq 1 900); do
  audited=$(curl -s localhost:18090/metrics 2>/dev/null | awk '/^pyhygiene_workloads\{/ {s+=$NF} END {printf "%d", s}' || true)
  [[ "${audited:-0}" -ge "$N" ]] && break
  sleep 2
done
T_AUDIT=$(( $(date +%s) - T0 ))
labelled=$("$KUBECTL" get deploy -A -l pyhygiene.io/verdict -o name | wc -l)
[[ "${audited:-0}" -ge "$N" && "$labelled" == "$N" ]] \
  || { log "operator did not audit all $N (gauge ${audited:-0}, labelled $labelled)"; tail -5 "$WORK/operator.log"; exit 1; }
log "all $N audited and labelled ${T_AUDIT}s after start; steady window of ${STEADY} s"
W0_WRITES=$(operator_writes)
W0_LINE=$(wc -l <"$PYHYGIENE_E2E_WORK/audit.log")
sleep "$STEADY"
W1_WRITES=$(operator_writes)
RSS_KB=$(awk '/VmRSS/ {print $2}' /proc/$OPERATOR_PID/status)
HWM_KB=$(awk '/VmHWM/ {print $2}' /proc/$OPERATOR_PID/status)
jcmd "$OPERATOR_PID" GC.run >/dev/null 2>&1 || true
sleep 2
HEAP_AFTER_GC=$(curl -s localhost:18090/metrics | awk '/^jvm_memory_used_bytes\{area="heap"/ {s+=$NF} END {printf "%.0f", s/1048576}')
STEADY_WRITES=$(( W1_WRITES - W0_WRITES ))
STEADY_BREAKDOWN=$(tail -n +"$((W0_LINE + 1))" "$PYHYGIENE_E2E_WORK/audit.log" | python3 -c '
import collections, json, sys
c = collections.Counter()
for line in sys.stdin:
    e = json.loads(line)
    if (e.get("userAgent", "").startswith("pyhygiene/") and e.get("stage") == "ResponseComplete"
            and e.get("verb") in ("create", "update", "patch", "delete")):
        c[(e["verb"], e["objectRef"].get("resource"), e.get("responseStatus", {}).get("code"))] += 1
print(", ".join(f"{n} {v} {r} ({code})" for (v, r, code), n in c.most_common()) or "none")')
mkdir -p e2e/.work-bench-last && cp "$WORK/operator.log" e2e/.work-bench-last/operator.log
kill "$OPERATOR_PID"; wait "$OPERATOR_PID" 2>/dev/null || true; OPERATOR_PID=""

CPU="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') x $(nproc)"
cat >"$OUT" <<EOF
# Benchmarks

Produced by \`make bench\` (\`scripts/bench.sh\`, BENCH_DEPLOYMENTS=$N) on $(date -u +%Y-%m-%d):
$CPU, $(free -g | awk '/Mem:/ {print $2}') GiB, Java $(java -version 2>&1 | head -1 | cut -d'"' -f2).
Numbers move with the machine's load; the targets are what matters.

## Targets

| target | measured | met |
|---|---|---|
| admission webhook p99 <= 10 ms server side | $(sed -n 's/.*p99=\([0-9.]*\).*/\1/p' <<<"$(grep server-side <<<"$WEBHOOK")") ms | $(awk -v p="$(sed -n 's/.*p99=\([0-9.]*\).*/\1/p' <<<"$(grep server-side <<<"$WEBHOOK")")" 'BEGIN {print (p <= 10 ? "yes" : "no")}') |
| $N Deployments fit comfortably in the chart's 768Mi limit (RSS < 640 MiB, 128 MiB headroom) | RSS $((RSS_KB / 1024)) MiB (peak $((HWM_KB / 1024)) MiB), heap after GC ${HEAP_AFTER_GC} MiB, JVM sized as in the chart | $( (( RSS_KB / 1024 < 640 )) && echo yes || echo no ) |
| a resync of an unchanged cluster makes zero writes | $STEADY_WRITES writes in ${STEADY} s (resync every ${RESYNC} s) | $( [[ "$STEADY_WRITES" == 0 ]] && echo yes || echo no ) |

## 1. Engine (JMH)

\`java -jar bench/target/benchmarks.jar AuditorBenchmark\`: one audit = building the workload
view (shell parsing included) and running every rule.

| benchmark | time per audit |
|---|---|
$ENGINE

## 2. Admission webhook

\`java -cp bench/target/benchmarks.jar io.pyhygiene.bench.WebhookLatency <certs> $REQUESTS 4\`:
the real \`AdmissionServer\` over TLS on loopback, a failing and a passing Deployment under a
Deny and a Warn policy, 4 client threads, after a warm-up.

\`\`\`
$WEBHOOK
\`\`\`

## 3. CLI

\`java -jar dist/target/pyhygiene.jar audit -f many.yaml -o json\` over one file with
$CLI_COUNT Deployments (half failing, half passing): ${CLI_SECONDS} s wall, max RSS $((CLI_KB / 1024)) MiB
(JVM start-up included).

## 4. Operator at scale

$N Deployments (replicas 0, in 20 namespaces, half failing) on a dedicated local control plane
(kube-apiserver, controller-manager and etcd built from upstream), one Audit policy, the operator
jar run with \`-XX:MaxRAM=768m -XX:MaxRAMPercentage=50\`, which makes the JVM size itself as in
the chart's container (768Mi limit: SerialGC, a 384 MiB heap at most), webhook off:

- every Deployment audited and labelled ${T_AUDIT} s after start (the first audit writes each one's
  label and annotations once);
- RSS ${RSS_KB} KiB ($((RSS_KB / 1024)) MiB), peak ${HWM_KB} KiB, heap after a full GC ${HEAP_AFTER_GC} MiB: the informer
  caches keep pruned objects (no managedFields except pyhygiene's own, no last-applied copy);
- write requests by the operator (user agent \`pyhygiene/\`, from the API server's audit log)
  during a ${STEADY} s steady window with \`PYHYGIENE_RESYNC_INTERVAL=${RESYNC}s\`: ${STEADY_WRITES}
  (${STEADY_BREAKDOWN}).
EOF
log "wrote $OUT"
cat "$OUT"
