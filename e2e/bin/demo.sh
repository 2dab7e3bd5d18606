#!/usr/bin/env bash
# `make demo`: from a fresh clone, one command that builds the jar (when the sources are newer),
# builds or reuses the control-plane binaries, starts the local control plane (`make
# cluster-up`, e2e/.work), installs pyhygiene the way the chart does (CRDs incl. the
# PolicyReport CRD, the chart's ServiceAccount, RBAC and webhook configuration pointing at
# 127.0.0.1), applies examples/policy.yaml (Warn) and the examples/ Deployments (namespace
# shop), runs the operator in the background as the chart's ServiceAccount, and shows what it
# does. Everything is left running; `make demo-down` stops it.
#
# Idempotent: a second run replaces the running demo operator (by its pid) and re-applies.
# The operator runs as one local replica without leader election (the chart enables it for
# its 2 replicas; PYHYGIENE_DEMO_LEADER_ELECTION=true to turn it on here).
# Env: PYHYGIENE_DEMO_HTTP_PORT (8080), PYHYGIENE_DEMO_WEBHOOK_PORT (8443), and the cluster's
# PYHYGIENE_E2E_WORK / PYHYGIENE_*_PORT (e2e/README.md).
set -euo pipefail
BIN="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck disable=SC1091
source "$BIN/operator-lib.sh"
OP_DIR="$WORK/demo"
# shellcheck disable=SC2034 # used by operator-lib.sh
FIELD_MANAGER=pyhygiene-demo
HTTP_PORT="${PYHYGIENE_DEMO_HTTP_PORT:-8080}"
WEBHOOK_PORT="${PYHYGIENE_DEMO_WEBHOOK_PORT:-8443}"
LEADER_ELECTION="${PYHYGIENE_DEMO_LEADER_ELECTION:-false}"
NS=shop
T0=$(now_ms)
cd "$REPO_ROOT"
mkdir -p "$OP_DIR"

say() { printf '%s\n' "$*"; }
progress() { printf '  %-46s %s\n' "$1" "$2"; }
heading() { printf '\n== %s\n' "$*"; }
indent() { sed 's/^/  /'; }
fail() {
  printf '\nERROR: %s\n' "$1" >&2; shift
  local f; for f in "$@"; do
    [[ -s "$f" ]] && { printf -- '--- last lines of %s\n' "$f" >&2; tail -n 25 "$f" | cut -c1-300 >&2; }
  done
  printf 'Partial demo left running; stop it with: make demo-down\n' >&2
  exit 1
}
wait_until() { local deadline=$(( $(date +%s) + $1 )); shift; until "$@"; do (( $(date +%s) < deadline )) || return 1; sleep 1; done; }

heading "pyhygiene demo: setting up (control plane $WORK, https://127.0.0.1:$APISERVER_PORT)"

# ---------------------------------------------------------------- build
t=$(now_ms)
if [[ ! -s "$JAR" ]] || [[ -n "$(find pom.xml core cli operator dist -path "*/target" -prune -o -newer "$JAR" -print -quit 2>/dev/null)" ]]; then
  timeout 1800 mvn -B -q package -DskipTests >"$OP_DIR/build.log" 2>&1 \
    || fail "mvn -B -q package -DskipTests failed" "$OP_DIR/build.log"
  progress "jar (mvn -B -q package -DskipTests)" "built in $(fmt_ms "$t")"
else
  progress "jar dist/target/pyhygiene.jar" "up to date"
fi

# ---------------------------------------------------------------- tools + cluster
t=$(now_ms)
timeout 1800 bash "$BIN/tools.sh" openssl kube etcd helm >"$OP_DIR/tools.out" 2>&1 \
  || fail "building the tools failed" "$OP_DIR/tools.out"
progress "tools (kube-apiserver, etcd, kubectl, helm)" "$(tail -n 1 "$OP_DIR/tools.out" | sed 's/^tools: //')"
was_up=1
for c in "${COMPONENTS[@]}"; do running "$c" || was_up=0; done
(( was_up )) && { apiserver_ready || was_up=0; }
t=$(now_ms)
timeout 600 bash "$BIN/cluster-up.sh" >"$OP_DIR/cluster-up.out" 2>&1 || fail "cluster-up failed" "$OP_DIR/cluster-up.out"
if (( was_up )); then
  progress "control plane" "already running (reused)"
else
  date -Is >"$OP_DIR/started-cluster"   # so demo-down stops it again
  progress "control plane (make cluster-up)" "started in $(fmt_ms "$t")"
fi

# ---------------------------------------------------------------- install
t=$(now_ms)
if pid="$(operator_pid)"; then
  stop_operator 30 || true
  progress "previous demo operator (pid $pid)" "stopped, replaced below"
fi
for p in "$HTTP_PORT" "$WEBHOOK_PORT"; do
  port_in_use "$p" && fail "port $p on 127.0.0.1 is in use by another process: set PYHYGIENE_DEMO_HTTP_PORT / PYHYGIENE_DEMO_WEBHOOK_PORT"
done
# A previous demo-down may have left them terminating: wait until they are gone.
for ns in "$OP_NS" "$NS"; do
  if [[ "$(kc get namespace "$ns" -o jsonpath='{.status.phase}' 2>/dev/null)" == Terminating ]]; then
    kc wait --for=delete "namespace/$ns" --timeout=90s >/dev/null 2>&1 || fail "namespace $ns is still terminating after 90 s"
  fi
done
install_crds >"$OP_DIR/install.out" 2>&1 || fail "applying crds/" "$OP_DIR/install.out"
gen_webhook_tls || fail "generating the webhook certificate (openssl)"
install_chart_parts "$WEBHOOK_PORT" >>"$OP_DIR/install.out" 2>&1 || fail "applying the chart's RBAC and webhook" "$OP_DIR/install.out"
progress "CRDs + chart RBAC + webhook (-> :$WEBHOOK_PORT)" "applied in $(fmt_ms "$t")"

t=$(now_ms)
sa_kubeconfig || fail "kubectl create token $SA_NAME -n $OP_NS"
start_operator "$HTTP_PORT" "$WEBHOOK_PORT" PYHYGIENE_LEADER_ELECTION="$LEADER_ELECTION" || fail "starting the operator"
wait_operator_ready "$HTTP_PORT" 120 || fail "the operator did not become ready" "$(OP_LOG)"
progress "operator as ServiceAccount $SA_NAME" "ready in $(fmt_ms "$t"), pid $OP_PID"

t=$(now_ms)
kc create namespace "$NS" --dry-run=client -o yaml | kc apply -f - >/dev/null || fail "creating namespace $NS"
kc apply -f examples/policy.yaml >/dev/null || fail "applying examples/policy.yaml"
examples=()
for f in examples/*.yaml; do grep -q '^kind: Deployment' "$f" && examples+=(-f "$f"); done
kc apply "${examples[@]}" >"$OP_DIR/examples.out" 2>&1 || fail "applying examples/" "$OP_DIR/examples.out"
# audited: every example Deployment has its verdict label and a place in the PolicyReport, and
# this operator process has audited them (its metrics) and written the policy status (a freshly
# started operator first publishes the status from an empty audit store: matched 0).
audited() {
  curl -sf --max-time 5 "http://127.0.0.1:$HTTP_PORT/metrics" 2>/dev/null \
    | awk '/^pyhygiene_workloads\{namespace="shop"/ {n += $2} END {exit !(n >= 3)}' || return 1
  [[ "$(kc get pyhp default -o jsonpath='{.status.matched}' 2>/dev/null)" -ge 3 ]] || return 1
  [[ "$(kc get deploy -n "$NS" -o jsonpath='{range .items[*]}{.metadata.labels.pyhygiene\.io/verdict}{" "}{end}' | wc -w)" -ge 3 ]] \
    && kc get policyreport pyhygiene -n "$NS" -o json 2>/dev/null | python3 -c '
import json, sys
names = {res.get("name") for x in json.load(sys.stdin).get("results") or [] for res in x.get("resources") or []}
sys.exit(0 if {"orders-api", "billing-web", "billing-worker"} <= names else 1)'
}
wait_until 90 audited || fail "the examples were not audited within 90 s" "$(OP_LOG)"
progress "examples/policy.yaml + $(( ${#examples[@]} / 2 )) Deployments in $NS" "audited in $(fmt_ms "$t")"
if probs="$(log_problems)"; then
  say "  WARNING: the operator logged errors or RBAC denials:"; indent <<<"$probs"
fi

# ---------------------------------------------------------------- show
heading "Verdicts: kubectl get deploy -A -L pyhygiene.io/verdict"
kc get deploy -A -L pyhygiene.io/verdict | indent

heading "PolicyReports: kubectl get policyreports -A"
kc get policyreports -A | indent
say
say "  shop/pyhygiene, per Deployment (rule ids; details: kubectl get policyreport pyhygiene -n shop -o yaml):"
kc get policyreport pyhygiene -n "$NS" -o json | python3 -c '
import json, sys, collections
r = json.load(sys.stdin)
by = collections.defaultdict(lambda: collections.defaultdict(list))
for x in r.get("results") or []:
    for res in x.get("resources") or [{}]:
        by[res.get("name", "?")][x.get("result", "?")].append(x.get("rule") or x.get("policy"))
for name in sorted(by):
    parts = []
    for result in ("fail", "warn", "error", "pass", "skip"):
        rules = [r for r in by[name].get(result, []) if r]
        if rules:
            parts.append(f"{result} ({len(rules)}): " + ", ".join(rules) if result != "pass" else "pass")
    print(f"    {name:<16} " + "\n    {:<16} ".format("").join(parts))
s = r.get("summary") or {}
print("    summary: " + ", ".join(f"{k} {v}" for k, v in s.items()))
'

heading "Policy status: kubectl get pyhp"
kc get pyhp | indent

heading "An admission warning: a bad Deployment, kubectl apply --dry-run=server (nothing is created)"
sed 's/billing-web/billing-web-v2/g' examples/gunicorn-sh-c-bad.yaml >"$OP_DIR/billing-web-v2.yaml"
say "  \$ kubectl apply --dry-run=server -f billing-web-v2.yaml    # examples/gunicorn-sh-c-bad.yaml renamed"
if kc apply --dry-run=server -f "$OP_DIR/billing-web-v2.yaml" >"$OP_DIR/warning.out" 2>&1; then
  cut -c1-160 "$OP_DIR/warning.out" | indent
else
  say "  (kubectl apply failed:)"; cut -c1-300 "$OP_DIR/warning.out" | indent
fi

heading "Metrics: http://127.0.0.1:$HTTP_PORT/metrics"
curl -sf --max-time 5 "http://127.0.0.1:$HTTP_PORT/metrics" >"$OP_DIR/metrics.txt" || true
{ grep -E '^pyhygiene_workloads\{namespace="shop"' "$OP_DIR/metrics.txt" || true
  grep -E '^pyhygiene_admission_requests_total' "$OP_DIR/metrics.txt" | head -n 2 || true; } | indent
say "  ($(grep -c '^pyhygiene_' "$OP_DIR/metrics.txt") pyhygiene_* samples; alerts for them: helm/pyhygiene/files/alerts.yaml)"

heading "Explore"
cat <<EOF
  export KUBECONFIG=$KUBECONFIG_FILE
  kubectl get deploy -n shop -l pyhygiene.io/verdict=fail
  kubectl get deploy billing-web -n shop -o jsonpath='{.metadata.annotations.pyhygiene\.io/findings}'
  kubectl get events -n shop                        # verdict changes
  kubectl patch pyhp default --type=merge -p '{"spec":{"mode":"Deny"}}'   # then apply a bad Deployment
  operator: pid $OP_PID, JSON logs in $(OP_LOG)
  the same engine offline: java -jar dist/target/pyhygiene.jar audit -f examples/
EOF
say
say "Demo ready in $(fmt_ms "$T0"), left running. Stop it: make demo-down"
