#!/usr/bin/env bash
# `make demo-down`: removes what `make demo` left running.
#   - helm uninstall of the chart (the operator pods, RBAC, webhook, default policy; `make
#     uninstall`) and the e2e Prometheus;
#   - the policy `default` from examples/policy.yaml and the namespaces shop and demo-apps;
#   - the cluster, only if `make demo` started it (a cluster you started with `make cluster-up`
#     is left running). Its data is kept (the next `make demo` restarts in seconds, same
#     kubeconfig); WIPE=1 deletes it, as for `make cluster-down`.
# Idempotent: with nothing running it says so.
set -euo pipefail
BIN="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=operator-lib.sh
source "$BIN/operator-lib.sh"
OP_DIR="$WORK/demo"

if [[ -s "$KUBECONFIG_FILE" ]] && apiserver_ready; then
  bash "$BIN/uninstall.sh"
  KC_TIMEOUT=30 kc delete pythonhygienepolicy default --ignore-not-found >/dev/null 2>&1 || true
  KC_TIMEOUT=120 kc delete namespace shop demo-apps --ignore-not-found --timeout=90s >/dev/null 2>&1 \
    || log "namespaces shop / demo-apps are still terminating"
  log "deleted the demo's policy 'default' and namespaces shop, demo-apps (CRDs kept)"
else
  log "the cluster is not running: the demo's objects, if any, are still in its data"
fi

started=0
[[ -f "$OP_DIR/started-cluster" ]] && started=1
rm -rf "$OP_DIR"
if (( started )); then
  bash "$BIN/cluster-down.sh"
else
  up=1
  for c in "${COMPONENTS[@]}"; do running "$c" || up=0; done
  if (( up )); then
    log "the cluster was running before 'make demo': left running ('make cluster-down' stops it)"
  fi
fi
