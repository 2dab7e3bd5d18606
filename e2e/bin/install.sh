#!/usr/bin/env bash
# `make install`: pyhygiene into the running cluster by its own chart, from the local image:
#   helm upgrade --install pyhygiene helm/pyhygiene -n pyhygiene-system
#     image localhost:5000/pyhygiene:dev pinned by digest (so a rebuilt image rolls out)
# then waits (bounded) until both operator replicas are Ready, proves the admission webhook is
# reached through its Service (a server-side dry run whose audit event carries the webhook's
# annotations), and starts the e2e Prometheus (Debian's) scraping the operator pods (the
# endpoints of the chart's Service), with the chart's alert rules; waits until both are `up`.
#
# Needs `make cluster-up` (with its node) and `make images`. Idempotent: a second run upgrades
# in place (no change: no rollout) and keeps Prometheus running. Prometheus is stopped by
# `make cluster-down`. Env: PYHYGIENE_PROM_PORT (16490), PYHYGIENE_INSTALL_TIMEOUT (300 s),
# PYHYGIENE_HELM_SET (extra `--set` values, comma-separated, for tests).
set -euo pipefail
# shellcheck source=cluster-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster-env.sh"
# shellcheck source=node-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/node-lib.sh"

HELM="$(tool_path helm)"
CHART="${PYHYGIENE_CHART_DIR:-$REPO_ROOT/helm/pyhygiene}"
NS=pyhygiene-system
RELEASE=pyhygiene
IMAGE_REPO="localhost:$REGISTRY_PORT/pyhygiene"
IMAGE_TAG=dev
TIMEOUT="${PYHYGIENE_INSTALL_TIMEOUT:-300}"
PROM_DIR="$WORK/prometheus"
T0=$(now_ms)
step() { printf '%s %-52s %s\n' "$(date +%H:%M:%S)" "$1" "$2"; }

[[ $NODE_ENABLED == 1 ]] || die "make install needs the node (PYHYGIENE_NODE=1)"
{ apiserver_ready && node_ready; } || die "the cluster is not up with a Ready node: make cluster-up"
[[ -x $HELM ]] || bash "$E2E_DIR/bin/tools.sh" helm >/dev/null
digest="$("$(tool_path crane)" digest "$IMAGE_REPO:$IMAGE_TAG" 2>/dev/null)" \
  || die "$IMAGE_REPO:$IMAGE_TAG is not in the registry: make images"

# ---------------------------------------------------------------- helm
t=$(now_ms)
# The PolicyReport CRD: the chart installs it unless someone else already owns it (the ITs of
# `mvn verify` or a Kyverno create it without Helm's ownership metadata, and Helm refuses to
# adopt an object it does not own). Owned by this release (a re-install): keep installing it.
policyreport_crd_install=true
crd_owner="$(kc_node get crd policyreports.wgpolicyk8s.io --ignore-not-found \
  -o jsonpath='{.metadata.annotations.meta\.helm\.sh/release-name}/{.metadata.annotations.meta\.helm\.sh/release-namespace}' 2>/dev/null)" \
  || die "cannot read CustomResourceDefinition policyreports.wgpolicyk8s.io"
if [[ -n "$crd_owner" && "$crd_owner" != "$RELEASE/$NS" ]]; then
  policyreport_crd_install=false
  step "PolicyReport CRD already installed (owner: ${crd_owner/#\//not Helm}); chart leaves it" ""
fi
set_args=(--set "image.repository=$IMAGE_REPO" --set "image.tag=$IMAGE_TAG" --set "image.digest=$digest"
  --set "policyReportCRD.install=$policyreport_crd_install" --set reportInterval=1s --set-json "tolerations=[$NODE_TOLERATION]")
if [[ -n "${PYHYGIENE_HELM_SET:-}" ]]; then set_args+=(--set "$PYHYGIENE_HELM_SET"); fi
mkdir -p "$WORK/install"
if ! timeout --kill-after=10 "$((TIMEOUT + 30))" "$HELM" --kubeconfig "$KUBECONFIG_FILE" upgrade --install \
    "$RELEASE" "$CHART" -n "$NS" --create-namespace "${set_args[@]}" \
    --wait --timeout "${TIMEOUT}s" >"$WORK/install/helm.out" 2>&1; then
  cat "$WORK/install/helm.out" >&2
  kc_node get pods -n "$NS" -o wide >&2 || true
  kc_node describe pods -n "$NS" 2>/dev/null | tail -n 40 >&2 || true
  die "helm upgrade --install failed or did not finish within ${TIMEOUT}s (its output is above)"
fi
step "helm upgrade --install $RELEASE ($IMAGE_REPO@${digest:7:12})" "$(fmt_ms "$t")"

# ---------------------------------------------------------------- both replicas Ready
t=$(now_ms)
# ready / desired / updated / all (old pods still shutting down count in the last)
ready_replicas() { kc_node get deploy "$RELEASE" -n "$NS" -o jsonpath='{.status.readyReplicas}/{.spec.replicas}/{.status.updatedReplicas}/{.status.replicas}' 2>/dev/null; }
deadline=$(( $(date +%s) + TIMEOUT ))
until [[ "$(ready_replicas)" == 2/2/2/2 ]]; do
  (( $(date +%s) < deadline )) || die "operator replicas ready/desired/updated/all: $(ready_replicas), want 2/2/2/2"
  sleep 1
done
step "operator: 2/2 replicas Ready" "$(fmt_ms "$t")"

# ---------------------------------------------------------------- the webhook through its Service
t=$(now_ms)
svc_ip="$(kc_node get svc "$RELEASE" -n "$NS" -o jsonpath='{.spec.clusterIP}')"
probe_name="pyhygiene-install-probe-$(date +%s)"
probe_manifest() {
  cat <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: $probe_name, namespace: default, labels: {pyhygiene.io/runtime: python}}
spec:
  selector: {matchLabels: {app: $probe_name}}
  template:
    metadata: {labels: {app: $probe_name}}
    spec:
      containers: [{name: app, image: "localhost:$REGISTRY_PORT/examples/gunicorn-app:dev", command: [sh, -c, "gunicorn app:app"]}]
EOF
}
webhook_seen() {
  probe_manifest | kc_node apply --dry-run=server -f - >/dev/null 2>&1 || return 1
  grep -F "\"$probe_name\"" "$AUDIT_LOG" 2>/dev/null | grep -q 'workloads.pyhygiene.io/verdict'
}
deadline=$(( $(date +%s) + 60 ))
until webhook_seen; do
  (( $(date +%s) < deadline )) || die "the API server's audit log shows no workloads.pyhygiene.io/* annotation for a dry run: the webhook is not reached through Service $NS/$RELEASE ($svc_ip:443)"
  sleep 1
done
step "webhook reached via Service $RELEASE ($svc_ip:443)" "$(fmt_ms "$t")"

# ---------------------------------------------------------------- Prometheus
t=$(now_ms)
PROM_PORT="${PYHYGIENE_PROM_PORT:-16490}"
command -v prometheus >/dev/null || bash "$E2E_DIR/bin/tools.sh" promtool >/dev/null
mkdir -p "$PROM_DIR"
cp "$CHART/files/alerts.yaml" "$PROM_DIR/alerts.yaml"
# Debian's Prometheus (2.42) is built without Kubernetes service discovery ("field
# kubernetes_sd_configs not found in type config.ScrapeConfig"): the targets are the endpoints
# of the chart's Service (the Ready operator pods), written to a file_sd file that Prometheus
# re-reads when it changes; install.sh rewrites it on every run.
write_targets() {
  kc_node get endpointslices -n "$NS" -l "kubernetes.io/service-name=$RELEASE" -o json | python3 -c '
import json, sys
targets = []
for s in json.load(sys.stdin)["items"]:
    port = next((p["port"] for p in s.get("ports") or [] if p.get("name") == "http-metrics"), None)
    for e in s.get("endpoints") or []:
        pod = (e.get("targetRef") or {}).get("name", "")
        if not (e.get("conditions") or {}).get("ready", True):
            continue   # a pod shutting down
        for a in e.get("addresses") or []:
            # not "namespace"/"pod": the metrics carry their own namespace label
            targets.append({"targets": [f"{a}:{port}"], "labels": {"operator_pod": pod}})
json.dump(targets, sys.stdout, indent=1)' >"$PROM_DIR/targets.json.tmp" && mv "$PROM_DIR/targets.json.tmp" "$PROM_DIR/targets.json"
}
write_targets || die "reading the endpoints of Service $NS/$RELEASE"
cat >"$PROM_DIR/prometheus.yml" <<EOF
global: {scrape_interval: 5s, evaluation_interval: 5s}
rule_files: ["$PROM_DIR/alerts.yaml"]
scrape_configs:
  - job_name: pyhygiene
    file_sd_configs:
      - files: ["$PROM_DIR/targets.json"]
        refresh_interval: 5s
EOF
prom_running() { running prometheus; }
if prom_running; then
  curl -sf -X POST --max-time 5 "http://127.0.0.1:$PROM_PORT/-/reload" >/dev/null || true
else
  port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
  port_busy "$PROM_PORT" && die "port $PROM_PORT is in use (PYHYGIENE_PROM_PORT)"
  mkdir -p "$LOGS" "$PIDS"
  setsid prometheus --config.file="$PROM_DIR/prometheus.yml" --storage.tsdb.path="$PROM_DIR/data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-lifecycle --storage.tsdb.retention.time=6h \
    </dev/null >>"$LOGS/prometheus.log" 2>&1 8>&- &
  echo $! >"$PIDS/prometheus.pid"
fi
# The current operator pods (not those of an earlier install) scraped successfully.
pods_re="$(python3 -c 'import json,sys; print("|".join(t["labels"]["operator_pod"] for t in json.load(open(sys.argv[1]))))' "$PROM_DIR/targets.json")"
up_targets() {
  curl -sf --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" \
    --data-urlencode "query=count(up{job=\"pyhygiene\",operator_pod=~\"$pods_re\"} == 1)" \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["value"][1])) if r else 0)' 2>/dev/null
}
deadline=$(( $(date +%s) + 90 ))
until [[ "$(up_targets)" == 2 ]]; do
  prom_running || { tail -n 20 "$LOGS/prometheus.log" >&2; die "prometheus exited"; }
  (( $(date +%s) < deadline )) || die "prometheus does not see 2 operator pods up (sum(up) = $(up_targets)); log: $LOGS/prometheus.log"
  sleep 1
done
step "prometheus http://127.0.0.1:$PROM_PORT: 2 operator pods up" "$(fmt_ms "$t")"
echo "install: done in $(fmt_ms "$T0")"
