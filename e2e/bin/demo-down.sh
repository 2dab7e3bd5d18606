#!/usr/bin/env bash
# `make demo-down`: stops what `make demo` left running.
#   - the demo operator, by its recorded pid (only if that pid is still the demo's java);
#   - deletes what the demo applied, except the CRDs (as `helm uninstall` keeps them): the
#     ValidatingWebhookConfiguration `pyhygiene` (it points at the stopped operator), the
#     chart's ServiceAccount and RBAC, the policy `default` from examples/policy.yaml, and the
#     namespaces `shop` and `pyhygiene-system`;
#   - the control plane, only if `make demo` started it (a cluster you started with
#     `make cluster-up` is left running). Its data is kept (the next `make demo` restarts in
#     seconds, same kubeconfig); WIPE=1 deletes it, as for `make cluster-down`.
# The demo's files ($WORK/demo: TLS, token kubeconfig, jar snapshot, operator log) are deleted.
# Idempotent: with nothing running it says so.
set -euo pipefail
BIN="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck disable=SC1091
source "$BIN/operator-lib.sh"
OP_DIR="$WORK/demo"

if pid="$(operator_pid)"; then
  if stop_operator 30; then
    log "stopped the demo operator (pid $pid) in $OP_STOP_SECONDS"
  else
    log "the demo operator (pid $pid) did not stop within 30 s of SIGTERM: killed"
  fi
else
  rm -f "$(OP_PIDFILE)"
  log "no demo operator running"
fi

if [[ -s "$KUBECONFIG_FILE" ]] && apiserver_ready; then
  KC_TIMEOUT=30 kc delete validatingwebhookconfiguration "$RELEASE" --ignore-not-found >/dev/null || true
  if [[ -s "$OP_DIR/chart-parts.yaml" ]]; then
    KC_TIMEOUT=30 kc delete -f "$OP_DIR/chart-parts.yaml" --ignore-not-found >/dev/null 2>&1 || true
  fi
  KC_TIMEOUT=30 kc delete pythonhygienepolicy default --ignore-not-found >/dev/null 2>&1 || true
  KC_TIMEOUT=90 kc delete namespace shop "$OP_NS" --ignore-not-found --timeout=60s >/dev/null 2>&1 \
    || log "namespaces shop / $OP_NS are still terminating"
  log "deleted the demo's webhook configuration, ServiceAccount + RBAC, policy 'default', namespaces shop and $OP_NS (CRDs kept)"
else
  log "the control plane is not running: the demo's objects, if any, are still in its data"
fi

started=0
[[ -f "$OP_DIR/started-cluster" ]] && started=1
rm -rf "$OP_DIR"   # the demo's files: TLS, token kubeconfig, jar snapshot, logs
if (( started )); then
  bash "$BIN/cluster-down.sh"
else
  up=1
  for c in "${COMPONENTS[@]}"; do running "$c" || up=0; done
  if (( up )); then
    log "the control plane was running before 'make demo': left running ('make cluster-down' stops it)"
  fi
fi
