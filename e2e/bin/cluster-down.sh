#!/usr/bin/env bash
# Stops the cluster that cluster-up.sh started in $WORK (default e2e/.work): exactly
# the recorded pids, each only after checking that it still runs that component's cached
# binary for this work dir (never a reused pid, never another cluster). SIGTERM, a bounded
# wait (PYHYGIENE_STOP_TIMEOUT, default 15 s), then SIGKILL.
#
# Data is kept by default (etcd data, certificates, kubeconfig, logs, audit log), so the next
# cluster-up restarts on the same state in seconds. WIPE=1 deletes all of it.
# The node: the kubelet and kube-proxy are stopped first, then every container and sandbox is
# killed and removed through containerd before containerd stops; then node-lib.sh's
# node_cleanup removes what they leave on the machine (shims, mounts, network namespaces,
# veths, the bridge, packet-filter rules, the kubepods cgroups, changed sysctls).
# Idempotent: with nothing running it only cleans stale pid files.
#   --node-leftovers-only   only node_cleanup (a crashed node's leftovers), no process stopped
set -euo pipefail
# shellcheck source=cluster-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster-env.sh"
# shellcheck source=node-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/node-lib.sh"
STOP_TIMEOUT="${PYHYGIENE_STOP_TIMEOUT:-15}"
[[ -d "$WORK" ]] || { log "no cluster running in $WORK (no work dir)"; exit 0; }
if [[ "${1:-}" == --node-leftovers-only ]]; then
  node_cleanup
  exit 0
fi
lock_cluster
# Whatever PYHYGIENE_NODE says now, everything this work dir may have started is stopped.
COMPONENTS=("${CONTROL_PLANE[@]}" "${NODE_COMPONENTS[@]}" "${ADDONS[@]}")

# Processes of this work dir that lost their pid file (e.g. a crashed cluster-up): found by
# binary and work dir on their command line, so they are still ours.
orphans_of() {
  local comp="$1" pid recorded
  recorded="$(pid_of "$comp" || true)"
  for pid in $(pgrep -f -- "$(tool_path "$comp")" || true); do
    [[ "$pid" == "$recorded" ]] && continue
    owned_pid "$comp" "$pid" && echo "$pid"
  done
  return 0
}

stop_pid() { # COMPONENT PID
  local comp="$1" pid="$2" deadline
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(( $(date +%s) + STOP_TIMEOUT ))
  while owned_pid "$comp" "$pid" && (( $(date +%s) < deadline )); do sleep 0.1; done
  if owned_pid "$comp" "$pid"; then
    log "$comp (pid $pid) still running after ${STOP_TIMEOUT}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 50); do owned_pid "$comp" "$pid" || break; sleep 0.1; done
  fi
  owned_pid "$comp" "$pid" && die "could not stop $comp (pid $pid)"
  log "stopped $comp (pid $pid)"
}

stopped=0
for (( i=${#COMPONENTS[@]}-1; i>=0; i-- )); do
  comp="${COMPONENTS[$i]}"
  # Containers die before containerd, which then removes them (and their shims) itself.
  [[ $comp == containerd ]] && node_containers_cleanup
  pid="$(pid_of "$comp" || true)"
  if [[ -n "$pid" ]]; then
    if owned_pid "$comp" "$pid"; then
      stop_pid "$comp" "$pid"; stopped=$((stopped + 1))
    else
      log "$comp: stale pid file (pid $pid is not our $comp any more): removed"
    fi
  fi
  for orphan in $(orphans_of "$comp"); do
    log "$comp: found pid $orphan of this work dir without a pid file"
    stop_pid "$comp" "$orphan"; stopped=$((stopped + 1))
  done
  rm -f "$PIDS/$comp.pid"
done
(( stopped )) || log "nothing running in $WORK"
if [[ -d $NODE_DIR ]]; then
  node_cleanup
  log "node cleaned up: no container, shim, mount, netns, veth, bridge, packet-filter rule or cgroup left"
fi

if [[ "${WIPE:-0}" == 1 ]]; then
  # Only the names cluster-up.sh creates, never the whole directory blindly.
  [[ -z "$(mounts_under "$NODE_DIR")" ]] || die "mounts left under $NODE_DIR: not wiping"
  rm -rf "$ETCD_DATA" "$PKI" "$LOGS" "$PIDS" "$WORK/apiserver-certs" "$WORK/kcm-certs" \
    "$KUBECONFIG_FILE" "$KCM_KUBECONFIG" "$AUDIT_POLICY" "$AUDIT_LOG" "${AUDIT_LOG%.log}"-*.log \
    "$WORK/.cluster.lock" "$NODE_DIR" "$REGISTRY_DIR" "$WORK/install" "$WORK/prometheus" "$WORK/demo"
  rmdir "$WORK" 2>/dev/null || true
  log "wiped cluster data in $WORK"
else
  log "data kept in $WORK (WIPE=1 deletes it)"
fi
