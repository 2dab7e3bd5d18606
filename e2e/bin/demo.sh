#!/usr/bin/env bash
# `make demo`: from a fresh clone, one command that builds or reuses the cluster's binaries,
# starts the local cluster with its node (`make cluster-up`, e2e/.work), builds the images
# (`make images`), installs pyhygiene by its own chart from the local image (`make install`: two
# operator replicas as pods, the webhook behind its Service, Prometheus scraping them), applies
# examples/policy.yaml (Warn) and the examples: the manifests of examples/*.yaml in namespace
# shop (audited; their images are not in the local registry, and the node's taint keeps their
# pods Pending) and e2e/demo/demo-apps.yaml in namespace demo-apps (the example services,
# running as pods on the node). Then it shows what pyhygiene does. Everything is left running;
# `make demo-down` removes it.
#
# Idempotent: a second run upgrades in place and re-applies.
# Env: the cluster's PYHYGIENE_E2E_WORK / PYHYGIENE_*_PORT (e2e/README.md).
set -euo pipefail
BIN="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=operator-lib.sh
source "$BIN/operator-lib.sh"
# shellcheck source=node-lib.sh
source "$BIN/node-lib.sh"
OP_DIR="$WORK/demo"
NS=shop
APPS_NS=demo-apps
T0=$(now_ms)
cd "$REPO_ROOT"
mkdir -p "$OP_DIR"

say() { printf '%s\n' "$*"; }
progress() { printf '  %-50s %s\n' "$1" "$2"; }
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

heading "pyhygiene demo: setting up (cluster $WORK, https://127.0.0.1:$APISERVER_PORT)"

# ---------------------------------------------------------------- cluster, images, chart
was_up=1
for c in "${COMPONENTS[@]}"; do running "$c" || was_up=0; done
(( was_up )) && { apiserver_ready || was_up=0; }
t=$(now_ms)
timeout 3600 bash "$BIN/cluster-up.sh" >"$OP_DIR/cluster-up.out" 2>&1 || fail "cluster-up failed" "$OP_DIR/cluster-up.out"
if (( was_up )); then
  progress "cluster + node" "already running (reused)"
else
  date -Is >"$OP_DIR/started-cluster"   # so demo-down stops it again
  progress "cluster + node (make cluster-up)" "started in $(fmt_ms "$t")"
fi
t=$(now_ms)
timeout 3600 bash "$BIN/images.sh" >"$OP_DIR/images.out" 2>&1 || fail "make images failed" "$OP_DIR/images.out"
progress "images in localhost:$REGISTRY_PORT (make images)" "$(tail -n 1 "$OP_DIR/images.out" | sed 's/^images: //')"
t=$(now_ms)
timeout 900 bash "$BIN/install.sh" >"$OP_DIR/install.out" 2>&1 || fail "make install failed" "$OP_DIR/install.out"
progress "operator: helm chart, 2 replicas (make install)" "ready in $(fmt_ms "$t")"

# ---------------------------------------------------------------- examples
t=$(now_ms)
kc create namespace "$NS" --dry-run=client -o yaml | kc apply -f - >/dev/null || fail "creating namespace $NS"
kc create namespace "$APPS_NS" --dry-run=client -o yaml | kc apply -f - >/dev/null || fail "creating namespace $APPS_NS"
# Pods of demo-apps tolerate the node's taint (PodTolerationRestriction's namespace default).
kc annotate namespace "$APPS_NS" --overwrite "scheduler.alpha.kubernetes.io/defaultTolerations=[$NODE_TOLERATION]" >/dev/null
kc apply -f examples/policy.yaml >/dev/null || fail "applying examples/policy.yaml"
examples=()
for f in examples/*.yaml; do grep -q '^kind: Deployment' "$f" && examples+=(-f "$f"); done
kc apply "${examples[@]}" >"$OP_DIR/examples.out" 2>&1 || fail "applying examples/" "$OP_DIR/examples.out"
sed "s|localhost:5000/|localhost:$REGISTRY_PORT/|" e2e/demo/demo-apps.yaml | kc apply -f - >>"$OP_DIR/examples.out" 2>&1 \
  || fail "applying e2e/demo/demo-apps.yaml" "$OP_DIR/examples.out"
audited() {
  [[ "$(kc get deploy -n "$NS" -o jsonpath='{range .items[*]}{.metadata.labels.pyhygiene\.io/verdict}{" "}{end}' | wc -w)" -ge 3 ]] \
    && [[ "$(kc get deploy -n "$APPS_NS" -o jsonpath='{range .items[*]}{.metadata.labels.pyhygiene\.io/verdict}{" "}{end}' | wc -w)" -ge 2 ]] \
    && kc get policyreport pyhygiene -n "$NS" >/dev/null 2>&1
}
wait_until 120 audited || fail "the examples were not audited within 120 s" "$OP_DIR/examples.out"
apps_running() {
  [[ "$(kc get deploy -n "$APPS_NS" -o jsonpath='{range .items[*]}{.status.readyReplicas}{" "}{end}')" == "1 1 " ]]
}
wait_until 180 apps_running || fail "the example services in $APPS_NS are not running: $(kc get pods -n "$APPS_NS" 2>&1)"
progress "examples: $(( ${#examples[@]} / 2 )) manifests in $NS, 2 services running in $APPS_NS" "audited in $(fmt_ms "$t")"

# ---------------------------------------------------------------- show
heading "The operator, as pods from the chart: kubectl get pods -n $OP_NS -o wide"
kc get pods -n "$OP_NS" -o wide | indent

heading "The example services, running: kubectl get pods -n $APPS_NS -o wide"
kc get pods -n "$APPS_NS" -o wide | indent

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

PROM="http://127.0.0.1:${PYHYGIENE_PROM_PORT:-16490}"
heading "Metrics, as the e2e Prometheus scraped them from the operator pods: $PROM"
for q in 'max by (namespace, verdict) (pyhygiene_workloads)' \
         'sum by (decision) (pyhygiene_admission_requests_total)' 'up{job="pyhygiene"}'; do
  say "  $q"
  curl -sf --max-time 5 "$PROM/api/v1/query" --data-urlencode "query=$q" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    print("    " + " ".join(f"{k}={v}" for k, v in sorted(r["metric"].items()) if k != "__name__") + " -> " + r["value"][1])' || true
done

heading "Explore"
cat <<EOF
  export KUBECONFIG=$KUBECONFIG_FILE
  kubectl get deploy -n shop -l pyhygiene.io/verdict=fail
  kubectl get deploy gunicorn-app -n demo-apps -o jsonpath='{.metadata.annotations.pyhygiene\.io/findings}'
  kubectl logs -n $OP_NS deploy/pyhygiene                   # the operator's JSON log
  kubectl patch pyhp default --type=merge -p '{"spec":{"mode":"Deny"}}'   # then apply a bad Deployment
  kubectl rollout restart deploy/gunicorn-app -n demo-apps  # sh -c: SIGKILL after 10 s -> shutdown-sigkilled
  the same engine offline: java -jar $DIST_JAR audit -f examples/
EOF
say
say "Demo ready in $(fmt_ms "$T0"), left running. Stop it: make demo-down"
