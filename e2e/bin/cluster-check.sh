#!/usr/bin/env bash
# Checks that `cluster-up && cluster-up && cluster-down` is idempotent and leaves no stray
# processes; also that a crashed component is recovered by the next cluster-up. With the node
# (the default): a pod runs, and after cluster-down no container, shim, mount, network
# namespace, veth, bridge, packet-filter rule or kubepods cgroup of it is left, and the sysctls
# it changed are back to what they were.
#
# It runs its own cluster in a separate work dir (e2e/.work-check) on separate ports, so a
# cluster already running from `make cluster-up` (e2e/.work, default ports) is left alone. The
# node is one per machine: when another work dir's node runs, the check fails and says so
# (stop it, or PYHYGIENE_CHECK_NODE=0 checks the control plane only).
# Exits non-zero on failure, printing what went wrong.
set -euo pipefail
BIN="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

export PYHYGIENE_E2E_WORK="${PYHYGIENE_CHECK_WORK:-$BIN/../.work-check}"
export PYHYGIENE_ETCD_PORT="${PYHYGIENE_CHECK_ETCD_PORT:-23890}"
export PYHYGIENE_ETCD_PEER_PORT="${PYHYGIENE_CHECK_ETCD_PEER_PORT:-23900}"
export PYHYGIENE_APISERVER_PORT="${PYHYGIENE_CHECK_APISERVER_PORT:-16543}"
export PYHYGIENE_KCM_PORT="${PYHYGIENE_CHECK_KCM_PORT:-16544}"
export PYHYGIENE_SCHEDULER_PORT="${PYHYGIENE_CHECK_SCHEDULER_PORT:-16545}"
export PYHYGIENE_KUBELET_PORT="${PYHYGIENE_CHECK_KUBELET_PORT:-16550}"
export PYHYGIENE_KUBELET_HEALTHZ_PORT="${PYHYGIENE_CHECK_KUBELET_HEALTHZ_PORT:-16551}"
export PYHYGIENE_PROXY_HEALTHZ_PORT="${PYHYGIENE_CHECK_PROXY_HEALTHZ_PORT:-16552}"
export PYHYGIENE_PROXY_METRICS_PORT="${PYHYGIENE_CHECK_PROXY_METRICS_PORT:-16553}"
export PYHYGIENE_REGISTRY_PORT="${PYHYGIENE_CHECK_REGISTRY_PORT:-16555}"
export PYHYGIENE_NODE="${PYHYGIENE_CHECK_NODE:-1}"
mkdir -p "$PYHYGIENE_E2E_WORK"
PYHYGIENE_E2E_WORK="$(cd "$PYHYGIENE_E2E_WORK" && pwd)"
# shellcheck source=cluster-env.sh
source "$BIN/cluster-env.sh"
# shellcheck source=node-lib.sh
source "$BIN/node-lib.sh"

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# check DESCRIPTION CMD...: PASS or FAIL by CMD's exit status (its output is dropped).
check() { local d="$1"; shift; if "$@" >/dev/null 2>&1; then pass "$d"; else fail "$d"; fi; }
not() { ! "$@"; }
# alive PID: the process exists and is not a zombie (an exited daemon waits, as a zombie, for
# init to reap it; it holds nothing any more).
alive() { local st; st="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" && [[ -n "$st" && "$st" != Z ]]; }
finish() {
  local rc=$?
  # Always leave nothing behind (also on failure or Ctrl-C).
  WIPE=1 bash "$BIN/cluster-down.sh" >/dev/null 2>&1 || true
  local left; left="$(ours)"
  [[ -z "$left" ]] || { echo "FAIL: processes of the check still running after cleanup: $left" >&2; rc=1; }
  if (( failures )) || (( rc )); then
    echo "cluster-check: FAILED ($failures failed checks); logs were in $LOGS" >&2
    exit 1
  fi
  echo "cluster-check: all checks passed"
}
trap finish EXIT

# Every process running one of the cluster's binaries with this check's work dir on its
# command line (the pgrep-based view, independent of the pid files), containerd's shims too.
ours() {
  local c
  { for c in "${COMPONENTS[@]}"; do
      pgrep -f -- "$(tool_path "$c") .*$WORK/" || true
    done
    [[ $NODE_ENABLED == 1 ]] && shims_of_work_dir
  } | sort -n | tr '\n' ' ' | sed 's/ $//'
}
pids_recorded() { local c; for c in "${COMPONENTS[@]}"; do printf '%s ' "$(pid_of "$c" || true)"; done | sed 's/ $//'; }
# All processes of the cached binaries, whoever started them (to spot strays at the end).
all_cp() {
  local c
  for c in "${COMPONENTS[@]}"; do pgrep -f -- "$(tool_path "$c")" || true; done | sort -n | tr '\n' ' ' | sed 's/ $//'
}

if [[ $NODE_ENABLED == 1 ]]; then
  other="$(node_owner || true)"
  if [[ -n "$other" && "$other" != "$WORK" ]] && pgrep -f -- "$other/node/" >/dev/null; then
    echo "FAIL: the node of $other runs (one node per machine): stop it (PYHYGIENE_E2E_WORK=$other make cluster-down) or check the control plane only (PYHYGIENE_CHECK_NODE=0)" >&2
    exit 1
  fi
  bash "$BIN/tools.sh" openssl kube etcd node >/dev/null
else
  bash "$BIN/tools.sh" openssl kube etcd >/dev/null
fi
# The machine before the check: sysctls the node changes, and that nothing of a node is there.
sysctls_now() { local k; for k in "${SYSCTLS[@]}"; do [[ -e /proc/sys/$k ]] && printf '%s=%s ' "$k" "$(cat "/proc/sys/$k")"; done; }
sysctls_before="$(sysctls_now)"
leftovers_before="$(node_leftovers)"
if [[ -n "$leftovers_before" ]]; then echo "cluster-check: leftovers of an earlier node before the check (cleaned by cluster-up): $leftovers_before"; fi
before_all="$(all_cp)"
echo "cluster-check: work dir $WORK, ports etcd $ETCD_PORT/$ETCD_PEER_PORT apiserver $APISERVER_PORT kcm $KCM_PORT"
echo "cluster-check: control-plane processes already running (left alone): ${before_all:-none}"

# Start from a clean state.
WIPE=1 bash "$BIN/cluster-down.sh" >/dev/null
[[ -z "$(ours)" ]] || { fail "processes of $WORK running before the check: $(ours)"; exit 1; }

# 1. first cluster-up starts everything
t0=$(now_ms)
if out1="$(bash "$BIN/cluster-up.sh" 2>&1)"; then
  pass "first cluster-up ($(fmt_ms "$t0"))"
else
  echo "$out1" >&2; fail "first cluster-up failed"; exit 1
fi
pids1="$(pids_recorded)"
want="${#COMPONENTS[@]}"
if [[ "$(wc -w <<<"$pids1")" == "$want" ]]; then pass "$want components recorded: $pids1"; else fail "expected $want pids, got '$pids1'"; fi
if [[ $NODE_ENABLED == 1 ]]; then
  if node_ready; then pass "node $NODE_NAME Ready"; else fail "node $NODE_NAME not Ready"; fi
  # A pod left running, so cluster-down has a container, a shim, mounts, a netns and a veth to remove.
  kc_node run check-pod -n default --image="$PAUSE_IMAGE" --restart=Never \
    --overrides="{\"spec\":{\"tolerations\":[$NODE_TOLERATION]}}" >/dev/null || fail "creating a pod"
  pod_running() { [[ "$(kc_node get pod check-pod -n default -o jsonpath='{.status.phase}' 2>/dev/null)" == Running ]]; }
  for _ in $(seq 120); do pod_running && break; sleep 0.5; done
  if pod_running; then
    pass "a pod runs ($(kc_node get pod check-pod -n default -o jsonpath='{.status.podIP}'), $(shims_of_work_dir | wc -l) shim(s), $(mounts_under "$NODE_DIR" | wc -l) mounts)"
  else
    fail "the pod is not Running: $(kc_node get pod check-pod -n default -o wide 2>&1 | tail -1)"
  fi
fi
components_seen() {
  local c; for c in "${COMPONENTS[@]}"; do pgrep -f -- "$(tool_path "$c") .*$WORK/" || true; done | sort -n | tr '\n' ' ' | sed 's/ $//'
}
if [[ "$(components_seen)" == "$(tr ' ' '\n' <<<"$pids1" | sort -n | tr '\n' ' ' | sed 's/ $//')" ]]; then
  pass "pgrep sees exactly the recorded pids"
else
  fail "pgrep sees '$(components_seen)', pid files say '$pids1'"
fi
check "/readyz ok" apiserver_ready
check "kubeconfig written ($KUBECONFIG_FILE)" test -s "$KUBECONFIG_FILE"

# 2. second cluster-up does nothing
t0=$(now_ms)
out2="$(bash "$BIN/cluster-up.sh" 2>&1)" || { echo "$out2" >&2; fail "second cluster-up failed"; }
if grep -q "already running and healthy" <<<"$out2"; then
  pass "second cluster-up reports healthy ($(fmt_ms "$t0"))"
else
  echo "$out2" >&2; fail "second cluster-up did not report a healthy cluster"
fi
check "second cluster-up started nothing" not grep -q "started " <<<"$out2"
check "pids unchanged" test "$(pids_recorded)" == "$pids1"

# 3. a crashed component is detected and the cluster recovered by cluster-up: the
# controller-manager, and with the node containerd (its shims and containers outlive it)
crashed=(kube-controller-manager)
[[ $NODE_ENABLED == 1 ]] && crashed+=(containerd)
for c in "${crashed[@]}"; do
  cpid="$(pid_of "$c")"
  kill -KILL "$cpid"
  for _ in $(seq 50); do [[ -d /proc/$cpid ]] || break; sleep 0.1; done
  if out3="$(bash "$BIN/cluster-up.sh" 2>&1)" && apiserver_ready && kcm_ready; then
    pass "cluster-up recovered from a killed $c ($(grep -o 'cluster up in .*' <<<"$out3"))"
  else
    echo "$out3" >&2; fail "cluster-up did not recover from a killed $c"
  fi
done
seen="$(components_seen)"
check "$want processes after recovery ($seen)" test "$(wc -w <<<"$seen")" == "$want"

# 4. cluster-down stops exactly those pids and leaves nothing behind
pids4="$(pids_recorded)"
bash "$BIN/cluster-down.sh" >/dev/null || fail "cluster-down failed"
for p in $pids4; do alive "$p" && fail "pid $p still alive after cluster-down"; done
left="$(ours)"
check "no processes of $WORK left (pgrep)${left:+: $left}" test -z "$left"
check "no pid files left" test -z "$(ls -A "$PIDS" 2>/dev/null)"
check "data kept without WIPE" test -d "$ETCD_DATA" -a -s "$KUBECONFIG_FILE"
check "other control-plane processes untouched, no strays (before '$before_all', after '$(all_cp)')" \
  test "$(all_cp)" == "$before_all"
if [[ $NODE_ENABLED == 1 ]]; then
  leftovers="$(node_leftovers)"
  check "the node left nothing: no shim, mount, netns, veth, bridge, packet-filter rule or cgroup${leftovers:+: $leftovers}" \
    test -z "$leftovers"
  check "sysctls as before the check ($sysctls_before)" test "$(sysctls_now)" == "$sysctls_before"
  check "the machine-wide node marker is released" test ! -e "$NODE_OWNER_FILE"
fi

# 5. a second cluster-down is a no-op; WIPE=1 deletes the data
check "second cluster-down is a no-op" bash "$BIN/cluster-down.sh"
WIPE=1 bash "$BIN/cluster-down.sh" >/dev/null
check "WIPE=1 deleted the data" test ! -e "$ETCD_DATA" -a ! -e "$PKI" -a ! -e "$NODE_DIR" -a ! -e "$REGISTRY_DIR"
