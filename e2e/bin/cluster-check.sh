#!/usr/bin/env bash
# shellcheck disable=SC2015 # `cond && pass || fail`: pass and fail always return 0
# Checks that `cluster-up && cluster-up && cluster-down` is idempotent and leaves no stray
# processes; also that a crashed component is recovered by the next cluster-up.
#
# It runs its own cluster in a separate work dir (e2e/.work-check) on separate ports, so a
# cluster already running from `make cluster-up` (e2e/.work, default ports) is left alone.
# Exits non-zero on the first failure, printing what went wrong.
set -euo pipefail
BIN="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

export PYHYGIENE_E2E_WORK="${PYHYGIENE_CHECK_WORK:-$BIN/../.work-check}"
export PYHYGIENE_ETCD_PORT="${PYHYGIENE_CHECK_ETCD_PORT:-23890}"
export PYHYGIENE_ETCD_PEER_PORT="${PYHYGIENE_CHECK_ETCD_PEER_PORT:-23900}"
export PYHYGIENE_APISERVER_PORT="${PYHYGIENE_CHECK_APISERVER_PORT:-16543}"
export PYHYGIENE_KCM_PORT="${PYHYGIENE_CHECK_KCM_PORT:-16544}"
mkdir -p "$PYHYGIENE_E2E_WORK"
PYHYGIENE_E2E_WORK="$(cd "$PYHYGIENE_E2E_WORK" && pwd)"
# shellcheck disable=SC1091
source "$BIN/cluster-env.sh"

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
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

# Every process running one of the control-plane binaries with this check's work dir on its
# command line (the pgrep-based view, independent of the pid files).
ours() {
  local c
  for c in "${COMPONENTS[@]}"; do
    pgrep -f -- "$(tool_path "$c") .*$WORK/" || true
  done | sort -n | tr '\n' ' ' | sed 's/ $//'
}
pids_recorded() { local c; for c in "${COMPONENTS[@]}"; do printf '%s ' "$(pid_of "$c" || true)"; done | sed 's/ $//'; }
# All processes of the cached binaries, whoever started them (to spot strays at the end).
all_cp() {
  local c
  for c in "${COMPONENTS[@]}"; do pgrep -f -- "$(tool_path "$c")" || true; done | sort -n | tr '\n' ' ' | sed 's/ $//'
}

bash "$BIN/tools.sh" openssl kube etcd >/dev/null
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
[[ "$(wc -w <<<"$pids1")" == 3 ]] && pass "3 components recorded: $pids1" || fail "expected 3 pids, got '$pids1'"
[[ "$(ours)" == "$(tr ' ' '\n' <<<"$pids1" | sort -n | tr '\n' ' ' | sed 's/ $//')" ]] \
  && pass "pgrep sees exactly the recorded pids" || fail "pgrep sees '$(ours)', pid files say '$pids1'"
apiserver_ready && pass "/readyz ok" || fail "/readyz not ok after cluster-up"
[[ -s "$KUBECONFIG_FILE" ]] && pass "kubeconfig written" || fail "no kubeconfig at $KUBECONFIG_FILE"

# 2. second cluster-up does nothing
t0=$(now_ms)
out2="$(bash "$BIN/cluster-up.sh" 2>&1)" || { echo "$out2" >&2; fail "second cluster-up failed"; }
grep -q "already running and healthy" <<<"$out2" && pass "second cluster-up reports healthy ($(fmt_ms "$t0"))" \
  || { echo "$out2" >&2; fail "second cluster-up did not report a healthy cluster"; }
grep -q "started " <<<"$out2" && fail "second cluster-up started something" || pass "second cluster-up started nothing"
[[ "$(pids_recorded)" == "$pids1" ]] && pass "pids unchanged" || fail "pids changed: '$pids1' -> '$(pids_recorded)'"

# 3. a crashed component is detected and the cluster recovered by cluster-up
kcm_pid="$(pid_of kube-controller-manager)"
kill -KILL "$kcm_pid"
for _ in $(seq 50); do [[ -d /proc/$kcm_pid ]] || break; sleep 0.1; done
if out3="$(bash "$BIN/cluster-up.sh" 2>&1)" && apiserver_ready && kcm_ready; then
  pass "cluster-up recovered from a killed kube-controller-manager"
else
  echo "$out3" >&2; fail "cluster-up did not recover from a killed kube-controller-manager"
fi
[[ "$(wc -w <<<"$(ours)")" == 3 ]] && pass "3 processes after recovery" || fail "after recovery: '$(ours)'"

# 4. cluster-down stops exactly those pids and leaves nothing behind
pids4="$(pids_recorded)"
bash "$BIN/cluster-down.sh" >/dev/null || fail "cluster-down failed"
for p in $pids4; do alive "$p" && fail "pid $p still alive after cluster-down"; done
[[ -z "$(ours)" ]] && pass "no processes of $WORK left (pgrep)" || fail "left running: $(ours)"
[[ -z "$(ls -A "$PIDS" 2>/dev/null)" ]] && pass "no pid files left" || fail "pid files left: $(ls "$PIDS")"
[[ -d "$ETCD_DATA" && -s "$KUBECONFIG_FILE" ]] && pass "data kept without WIPE" || fail "data not kept"
[[ "$(all_cp)" == "$before_all" ]] && pass "other control-plane processes untouched, no strays" \
  || fail "control-plane processes before '$before_all', after '$(all_cp)'"

# 5. a second cluster-down is a no-op; WIPE=1 deletes the data
bash "$BIN/cluster-down.sh" >/dev/null && pass "second cluster-down is a no-op" || fail "second cluster-down failed"
WIPE=1 bash "$BIN/cluster-down.sh" >/dev/null
[[ ! -e "$ETCD_DATA" && ! -e "$PKI" ]] && pass "WIPE=1 deleted the data" || fail "WIPE=1 left data behind"
