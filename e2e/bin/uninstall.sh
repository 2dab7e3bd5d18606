#!/usr/bin/env bash
# `make uninstall`: helm uninstall of the release `make install` made (the operator, its RBAC,
# webhook and default policy; the CRDs stay, as helm keeps them), waits until the operator pods
# are gone, and stops the e2e Prometheus. Idempotent.
set -euo pipefail
# shellcheck source=cluster-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster-env.sh"
# shellcheck source=node-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/node-lib.sh"
HELM="$(tool_path helm)"
NS=pyhygiene-system
apiserver_ready || { log "no cluster running in $WORK: nothing to uninstall"; exit 0; }
if timeout 60 "$HELM" --kubeconfig "$KUBECONFIG_FILE" status pyhygiene -n "$NS" >/dev/null 2>&1; then
  timeout 180 "$HELM" --kubeconfig "$KUBECONFIG_FILE" uninstall pyhygiene -n "$NS" --wait --timeout 150s >/dev/null
  log "helm uninstall pyhygiene -n $NS"
else
  log "release pyhygiene is not installed"
fi
KC_TIMEOUT=120 kc_node wait --for=delete pod -n "$NS" -l app.kubernetes.io/name=pyhygiene --timeout=90s >/dev/null 2>&1 || true
pid="$(pid_of prometheus || true)"
if [[ -n "$pid" ]] && owned_pid prometheus "$pid"; then
  kill -TERM "$pid"
  for _ in $(seq 100); do owned_pid prometheus "$pid" || break; sleep 0.1; done
  log "stopped prometheus (pid $pid)"
fi
rm -f "$PIDS/prometheus.pid"
