#!/usr/bin/env bash
# The end-to-end suite (`make e2e`, part of `make test`): pyhygiene as users run it, installed by
# its own chart from its own image on the local cluster and its node, then:
#   0. the cluster and its node (started if not running, stopped again if this run started
#      it), `make images`, `make install` (helm upgrade --install, both replicas Ready, the
#      webhook through its Service, Prometheus scraping the pods)
#   1. the release: deployed, two operator pods Ready as the chart's ServiceAccount
#   2. leader election: the Lease held by one of the pods and renewed
#   3. the pods' logs: no ERROR, no 403, no lost Lease
#   4. a Warn policy (namespaceSelector) + examples/: verdict labels, findings annotation,
#      PolicyReport, policy status; a namespace it does not select is left to other policies
#   5. admission through the Service: Warn prints warnings (a Deployment and a StatefulSet, which
#      the operator labels too); Deny rejects (also dry runs; a StatefulSet and a CronJob too),
#      exemptions admit, kubectl scale of a failing Deployment still works
#   6. the API server's audit log holds the webhook's audit annotations
#   7. Prometheus (make install's) with the chart's alerts (for: shortened): the two pods up,
#      PyhygieneFailingWorkloads fires; promtool check metrics on the leader's /metrics
#   8. fail open: the operator scaled to 0 -- each pod exits 0 on SIGTERM within the chart's
#      grace period, its log ends with 'pyhygiene stopped' -- then a bad Deployment in Deny
#      mode is admitted within seconds and the audit log says the webhook failed open
#   9. cleanup (also on failure): the test namespaces and policy, the alerts restored, the
#      release uninstalled, the cluster stopped if this run started it
# Waits: PYHYGIENE_E2E_WAIT (default 90 s per condition). On failure the pods' logs, the
# audit log and the cases are copied to e2e/.work-e2e-failed/.
set -euo pipefail
BIN="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=operator-lib.sh
source "$BIN/operator-lib.sh"
# shellcheck source=node-lib.sh
source "$BIN/node-lib.sh"

[[ $NODE_ENABLED == 1 ]] || die "make e2e runs the chart-installed operator on the node: unset PYHYGIENE_NODE=0"
WAIT="${PYHYGIENE_E2E_WAIT:-90}"
RUN_DIR="$E2E_DIR/.work-e2e"
OP_DIR="$RUN_DIR/operator"
PROM_DIR="$WORK/prometheus"
PROM_PORT="${PYHYGIENE_PROM_PORT:-16490}"
CASES="$RUN_DIR/cases"
FAILED_LOGS="$RUN_DIR-failed"
NS=shop
OTHER_NS=e2e-unselected
POLICY=e2e
POD_SELECTOR="app.kubernetes.io/name=pyhygiene,app.kubernetes.io/instance=$RELEASE"
T0=$(now_ms)

# ---------------------------------------------------------------- output and failure
STEP="start"
elapsed() { fmt_ms "$T0"; }
step() { STEP="$1"; printf '\n== %s  [%s]\n' "$*" "$(elapsed)"; }
ok() { printf '  ok: %s\n' "$*"; }
info() { printf '  %s\n' "$*"; }
indent() { sed 's/^/      /' | cut -c1-220; }
evidence() { # FILE [LINES]
  [[ -s "$1" ]] || { info "(no $1)"; return 0; }
  printf '  --- last %s lines of %s\n' "${2:-30}" "$1"
  tail -n "${2:-30}" "$1" | readable_log | cut -c1-400 | sed 's/^/    /'
}
# fail MESSAGE [FILE...]: prints the message and the tail of each FILE, then exits (the EXIT
# trap cleans up).
fail() {
  printf '\n  FAIL [%s]: %s\n' "$STEP" "$1" >&2
  shift
  local f; for f in "$@"; do evidence "$f" >&2; done
  exit 1
}
# wait_until SECONDS CMD...: polls CMD (every second) until it succeeds or time is up.
wait_until() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do (( $(date +%s) < deadline )) || return 1; sleep 1; done
}

# ---------------------------------------------------------------- the operator pods
# operator_pods: the names of the release's pods (running or not).
operator_pods() { kc get pods -n "$OP_NS" -l "$POD_SELECTOR" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}'; }
# OP_LOG: the logs of the release's pods, one file (the JSON lines of every pod, in pod order).
# Overrides operator-lib's (a local process's log file); log_problems reads it.
OP_LOG() {
  local f="$OP_DIR/operator.log" p
  : >"$f"
  for p in $(operator_pods 2>/dev/null); do kc logs -n "$OP_NS" "$p" >>"$f" 2>/dev/null || true; done
  echo "$f"
}
OP_LOG_START=0
# pod_states: "NAME:READY:RESTARTS " for each of the release's pods.
pod_states() { kc get pods -n "$OP_NS" -l "$POD_SELECTOR" -o jsonpath='{range .items[*]}{.metadata.name}:{.status.containerStatuses[0].ready}:{.status.containerStatuses[0].restartCount}{" "}{end}'; }
# operator_running: the two pods of step 1 are still Ready and never restarted.
operator_running() {
  local now
  now="$(pod_states)"
  [[ "$now" == "$PODS_READY" ]] || fail "the operator pods changed: at start '$PODS_READY', now '$now'" "$(OP_LOG)"
}

# ---------------------------------------------------------------- cleanup
STARTED_CLUSTER=0
ALERTS_SHORTENED=0
STREAM_PIDS=()
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  printf '\n== 9. cleanup: test namespaces and policy, alerts restored, release uninstalled%s  [%s]\n' \
    "$( (( STARTED_CLUSTER )) && echo ', the cluster stopped (this run started it)')" "$(elapsed)"
  local p; for p in "${STREAM_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  if (( rc )); then
    rm -rf "$FAILED_LOGS"; mkdir -p "$FAILED_LOGS"
    OP_LOG >/dev/null 2>&1
    kc get pods -A -o wide >"$FAILED_LOGS/pods.txt" 2>&1
    cp -r "$OP_DIR" "$CASES" "$AUDIT_LOG" "$LOGS/prometheus.log" "$FAILED_LOGS/" 2>/dev/null
    info "logs of the failed run copied to $FAILED_LOGS/"
  fi
  if apiserver_ready; then
    kc delete namespace "$NS" "$OTHER_NS" --ignore-not-found --wait=false >/dev/null 2>&1
    kc delete pyhp "$POLICY" --ignore-not-found >/dev/null 2>&1
    if (( ALERTS_SHORTENED )); then
      cp "$CHART/files/alerts.yaml" "$PROM_DIR/alerts.yaml"
      curl -sf -X POST --max-time 5 "http://127.0.0.1:$PROM_PORT/-/reload" >/dev/null 2>&1
      info "the chart's alert rules restored in make install's Prometheus"
    fi
    timeout 240 bash "$BIN/uninstall.sh" 7>&- 2>&1 | sed 's/^/  [uninstall] /'
  fi
  if (( STARTED_CLUSTER )); then
    timeout 180 bash "$BIN/cluster-down.sh" 7>&- 2>&1 | sed 's/^/  [cluster-down] /'
  fi
  rm -rf "$OP_DIR"
  if (( rc )); then
    printf '\ne2e: FAILED in %s (step: %s)\n' "$(elapsed)" "$STEP" >&2
  else
    rm -rf "$FAILED_LOGS"   # a previous failure's logs
    printf '\ne2e: all checks passed in %s\n' "$(elapsed)"
  fi
  exit "$rc"
}

# One run at a time (fd 7 is closed for everything this script starts).
mkdir -p "$RUN_DIR"
exec 7>"$RUN_DIR.lock"
flock -w 600 7 || die "another e2e run holds $RUN_DIR.lock"
trap cleanup EXIT
trap 'exit 130' INT TERM
rm -rf "$OP_DIR" "$CASES"
mkdir -p "$OP_DIR" "$CASES"

# ---------------------------------------------------------------- 0. cluster, images, install
step "0. the cluster and its node ($WORK), images, the chart installed"
timeout 1800 bash "$BIN/tools.sh" 7>&- >"$RUN_DIR/tools.out" 2>&1 || fail "tools.sh failed" "$RUN_DIR/tools.out"
info "$(tail -n 1 "$RUN_DIR/tools.out")"
[[ -s "$JAR" ]] || fail "$JAR missing: run 'make build'"
command -v prometheus >/dev/null || fail "prometheus not found (the Debian package prometheus provides it)"
was_up=1
for c in "${COMPONENTS[@]}"; do running "$c" || was_up=0; done
(( was_up )) && { apiserver_ready && node_ready; } || was_up=0
(( was_up )) || STARTED_CLUSTER=1
timeout 600 bash "$BIN/cluster-up.sh" 7>&- >"$RUN_DIR/cluster-up.out" 2>&1 || fail "cluster-up failed" "$RUN_DIR/cluster-up.out"
if (( STARTED_CLUSTER )); then ok "cluster started: $(grep -o 'cluster up in .*' "$RUN_DIR/cluster-up.out" | tail -n 1)"; else ok "cluster already running (left running)"; fi
timeout 1200 bash "$BIN/images.sh" 7>&- >"$RUN_DIR/images.out" 2>&1 || fail "images.sh failed" "$RUN_DIR/images.out"
ok "$(tail -n 1 "$RUN_DIR/images.out")"
timeout 600 bash "$BIN/install.sh" 7>&- >"$RUN_DIR/install.out" 2>&1 || fail "install.sh failed" "$RUN_DIR/install.out"
indent <"$RUN_DIR/install.out"
kc delete namespace "$NS" "$OTHER_NS" --ignore-not-found --timeout=120s >/dev/null 2>&1 \
  || fail "namespaces $NS/$OTHER_NS of an earlier run are still terminating"
kc delete pyhp "$POLICY" --ignore-not-found >/dev/null 2>&1 || true

# ---------------------------------------------------------------- 1. the release
step "1. release $RELEASE in $OP_NS: deployed, two pods Ready as ServiceAccount $SA_NAME"
status="$(timeout 60 "$HELM" --kubeconfig "$KUBECONFIG_FILE" list -n "$OP_NS" --filter "^$RELEASE\$" -o json \
  | python3 -c 'import json,sys; r=json.load(sys.stdin)[0]; print(r["status"], r["chart"], "revision", r["revision"])')" \
  || fail "helm list: no release $RELEASE in $OP_NS"
[[ "$status" == deployed* ]] || fail "helm status: $status"
ok "helm status: $status"
PODS_READY="$(pod_states)"
[[ "$(grep -o ':true:0' <<<"$PODS_READY" | wc -l)" == 2 && "$(wc -w <<<"$PODS_READY")" == 2 ]] \
  || fail "want two Ready operator pods that never restarted, got '$PODS_READY'"
ok "pods: $PODS_READY"
sas="$(kc get pods -n "$OP_NS" -l "$POD_SELECTOR" -o jsonpath='{range .items[*]}{.spec.serviceAccountName} {end}')"
[[ "$sas" == "$SA_NAME $SA_NAME " ]] || fail "the pods run as ServiceAccounts '$sas', want $SA_NAME"
image="$(kc get pods -n "$OP_NS" -l "$POD_SELECTOR" -o jsonpath='{.items[0].status.containerStatuses[0].imageID}')"
ok "both run as ServiceAccount $OP_NS/$SA_NAME, image $image"

# ---------------------------------------------------------------- 2. leader election
step "2. leader election: Lease $OP_NS/pyhygiene-leader"
lease_time() { kc get lease pyhygiene-leader -n "$OP_NS" -o jsonpath='{.spec.holderIdentity} {.spec.renewTime}' 2>/dev/null; }
# pod_of IDENTITY: the operator pod whose leader identity it is (the pod name, or the pod name
# and a suffix that tells a restarted container apart).
pod_of() {
  local p; for p in $(operator_pods); do
    if [[ -n "$1" && ( "$1" == "$p" || "$1" == "$p"-* ) ]]; then echo "$p"; return 0; fi
  done
  return 1
}
held_by_pod() { local h; h="$(lease_time)"; pod_of "${h%% *}" >/dev/null; }
wait_until 60 held_by_pod || fail "the Lease is not held by one of the pods: '$(lease_time)' (pods: $(operator_pods | tr '\n' ' '))" "$(OP_LOG)"
first="$(lease_time)"
LEADER_POD="$(pod_of "${first%% *}")"
renewed() { local now; now="$(lease_time)"; [[ "$now" != "$first" && "${now%% *}" == "${first%% *}" ]]; }
wait_until 30 renewed || fail "the Lease is not renewed by $LEADER_POD (acquired: '$first', now: '$(lease_time)')" "$(OP_LOG)"
ok "held and renewed by pod $LEADER_POD (identity ${first%% *})"

# ---------------------------------------------------------------- 3. logs
step "3. the operator pods' logs"
if probs="$(log_problems)"; then fail "operator log has errors, RBAC denials or a lost Lease:
$probs" "$(OP_LOG)"; fi
ok "$(wc -l <"$OP_DIR/operator.log") JSON lines from both pods: no ERROR line, no 403/forbidden, no lost Lease"

# ---------------------------------------------------------------- 4. policy + examples
step "4. Warn policy '$POLICY' (namespaceSelector pyhygiene-e2e=true) and examples/ in namespace $NS"
{ kc create namespace "$NS" >/dev/null && kc label namespace "$NS" pyhygiene-e2e=true >/dev/null; } \
  || fail "creating namespace $NS"
kc create namespace "$OTHER_NS" >/dev/null || fail "creating namespace $OTHER_NS"
# examples/policy.yaml, renamed and limited to the test namespaces.
sed -e "s/^  name: default$/  name: $POLICY/" \
    -e '/^spec:$/a\  namespaceSelector:\n    matchLabels: {pyhygiene-e2e: "true"}' \
    "$REPO_ROOT/examples/policy.yaml" >"$CASES/policy.yaml"
{ grep -q "mode: Warn" "$CASES/policy.yaml" && grep -q "name: $POLICY" "$CASES/policy.yaml"; } \
  || fail "could not derive the policy from examples/policy.yaml" "$CASES/policy.yaml"
kc apply -f "$CASES/policy.yaml" >/dev/null 2>"$CASES/policy.err" || fail "applying the policy" "$CASES/policy.err"
examples=()
for f in "$REPO_ROOT"/examples/*.yaml; do grep -q '^kind: Deployment' "$f" && examples+=(-f "$f"); done
kc apply "${examples[@]}" >"$CASES/examples.out" 2>&1 || fail "applying examples/" "$CASES/examples.out"
ok "applied the policy and $(( ${#examples[@]} / 2 )) example Deployments"
# The same bad Deployment in a namespace the policy does not select: must stay unaudited.
sed "s/namespace: shop/namespace: $OTHER_NS/" "$REPO_ROOT/examples/gunicorn-sh-c-bad.yaml" \
  | kc apply -f - >/dev/null 2>&1 || fail "applying billing-web to $OTHER_NS"

verdicts() {
  kc get deploy -n "$NS" -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.labels.pyhygiene\.io/verdict}{" "}{end}'
}
want_verdicts() { local v; v=" $(verdicts) "; [[ $v == *" orders-api=pass "* && $v == *" billing-web=fail "* && $v == *" billing-worker=warn "* ]]; }
wait_until "$WAIT" want_verdicts || fail "verdict labels: got '$(verdicts)', want orders-api=pass billing-web=fail billing-worker=warn" "$(OP_LOG)"
kc get deploy -n "$NS" -L pyhygiene.io/verdict | indent
ok "verdict labels orders-api=pass, billing-web=fail, billing-worker=warn"
findings="$(kc get deploy billing-web -n "$NS" -o jsonpath='{.metadata.annotations.pyhygiene\.io/findings}')"
[[ "$findings" == *'"shell-wrapper"'* ]] || fail "pyhygiene.io/findings of billing-web does not name shell-wrapper: $findings"
ok "pyhygiene.io/findings on billing-web names shell-wrapper ($(grep -o '"rule":"[^"]*"' <<<"$findings" | wc -l) findings)"

report_ok() {
  kc get policyreport pyhygiene -n "$NS" -o json >"$CASES/policyreport.json" 2>/dev/null || return 1
  python3 - "$CASES/policyreport.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
res = r.get("results") or []
fail = (r.get("summary") or {}).get("fail", 0)
ok = res and all(x.get("source") == "pyhygiene" for x in res) and fail >= 1
print(f"{len(res)} results, source pyhygiene, summary {r.get('summary')}")
sys.exit(0 if ok else 1)
EOF
}
wait_until "$WAIT" report_ok >/dev/null || fail "PolicyReport pyhygiene in $NS: results with source pyhygiene and summary.fail >= 1" \
  "$CASES/policyreport.json" "$(OP_LOG)"
ok "PolicyReport $NS/pyhygiene: $(report_ok)"

policy_status() {
  kc get pyhp "$POLICY" -o jsonpath='matched={.status.matched} failing={.status.failing} ready={.status.conditions[?(@.type=="Ready")].status}'
}
status_ok() { [[ "$(policy_status)" == "matched=3 failing=1 ready=True" ]]; }
wait_until "$WAIT" status_ok || fail "policy status: $(policy_status), want matched=3 failing=1 ready=True" "$(OP_LOG)"
kc get pyhp | indent
ok "policy status $(policy_status)"
# The chart's default policy (Audit, every namespace) audits it; the e2e policy must not.
other_policies() { kc get deploy billing-web -n "$OTHER_NS" -o jsonpath='{.metadata.annotations.pyhygiene\.io/policy}'; }
audited_by_some_policy() { [[ -n "$(other_policies)" ]]; }
wait_until "$WAIT" audited_by_some_policy || fail "billing-web in $OTHER_NS was not audited by the chart's default policy" "$(OP_LOG)"
[[ ",$(other_policies)," != *",$POLICY,"* ]] || fail "billing-web in unselected namespace $OTHER_NS is audited by policy $POLICY: '$(other_policies)'"
ok "billing-web in namespace $OTHER_NS: audited by '$(other_policies)' only, not by $POLICY (its namespaceSelector)"
operator_running

# ---------------------------------------------------------------- 5. admission
step "5. admission: Warn prints warnings; Deny rejects, exemptions admit, scale still works"
# bad NAME [EXEMPT_RULES]: examples/gunicorn-sh-c-bad.yaml renamed, optionally exempted.
bad() {
  sed "s/billing-web/$1/g" "$REPO_ROOT/examples/gunicorn-sh-c-bad.yaml" | if [[ -n "${2:-}" ]]; then
    sed "/^  namespace: $NS\$/a\\  annotations:\\n    pyhygiene.io/exempt: \"$2\"\\n    pyhygiene.io/exempt-reason: \"e2e: accepted risk, ticket E2E-1\""
  else cat; fi
}
bad bad-warn >"$CASES/bad-warn.yaml"
kc apply -f "$CASES/bad-warn.yaml" >"$CASES/warn.out" 2>"$CASES/warn.err" || fail "Warn mode: apply of a bad Deployment failed" "$CASES/warn.err"
grep -q '^Warning: shell-wrapper' "$CASES/warn.err" || fail "Warn mode: no 'Warning: shell-wrapper' line on kubectl's stderr" "$CASES/warn.err"
kc get deploy bad-warn -n "$NS" >/dev/null 2>&1 || fail "Warn mode: bad-warn was not created"
info "kubectl apply -f bad-warn.yaml (stderr, $(grep -c '^Warning:' "$CASES/warn.err") warnings):"
grep '^Warning:' "$CASES/warn.err" | head -n 4 | indent; info "      ..."
ok "Warn mode: warnings printed (shell-wrapper among them) and the Deployment created"

# bad_kind KIND NAME: the bad Deployment's pod template in a StatefulSet or a CronJob (replicas 0,
# a schedule that does not fire during the test), so the webhook and the operator meet each kind.
bad_kind() {
  local template
  template="$(sed -n '/^  template:$/,$p' "$REPO_ROOT/examples/gunicorn-sh-c-bad.yaml" | sed "s/billing-web/$2/g")"
  case "$1" in
    StatefulSet)
      printf 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  replicas: 0\n  serviceName: %s\n  selector:\n    matchLabels: {app: %s}\n%s\n' \
        "$2" "$NS" "$2" "$2" "$template" ;;
    CronJob) # the template under spec.jobTemplate.spec; a Job's pod needs a restartPolicy
      printf 'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  schedule: "0 3 1 1 *"\n  jobTemplate:\n    spec:\n%s\n' \
        "$2" "$NS" "$(sed -e 's/^/    /' -e 's/^        spec:$/&\n          restartPolicy: Never/' <<<"$template")" ;;
  esac
}
bad_kind StatefulSet bad-sts-warn >"$CASES/bad-sts-warn.yaml"
kc apply -f "$CASES/bad-sts-warn.yaml" >"$CASES/sts-warn.out" 2>"$CASES/sts-warn.err" \
  || fail "Warn mode: apply of a bad StatefulSet failed" "$CASES/sts-warn.err" "$CASES/bad-sts-warn.yaml"
grep -q '^Warning: shell-wrapper' "$CASES/sts-warn.err" || fail "Warn mode: no 'Warning: shell-wrapper' for the StatefulSet" "$CASES/sts-warn.err"
sts_verdict() { [[ "$(kc get statefulset bad-sts-warn -n "$NS" -o jsonpath='{.metadata.labels.pyhygiene\.io/verdict}')" == fail ]]; }
wait_until "$WAIT" sts_verdict || fail "the StatefulSet bad-sts-warn did not get verdict fail" "$(OP_LOG)"
ok "Warn mode: a StatefulSet with the same pod template: warnings printed, created, labelled verdict=fail by the operator"

# The error-severity rules of the bad Deployment, from the offline CLI (same engine).
java -jar "$JAR" audit -f "$CASES/bad-warn.yaml" --policy "$REPO_ROOT/examples/policy.yaml" \
  -o json --fail-on never >"$CASES/cli.json" 2>"$CASES/cli.err" || fail "pyhygiene audit (CLI)" "$CASES/cli.err"
ERROR_RULES="$(python3 -c '
import json, sys
w = json.load(open(sys.argv[1]))["workloads"][0]
print(",".join(sorted({f["rule"] for f in w["findings"] if f["severity"] == "error"})))' "$CASES/cli.json")"
[[ "$ERROR_RULES" == *shell-wrapper* ]] || fail "the CLI finds no shell-wrapper error: '$ERROR_RULES'" "$CASES/cli.json"
info "error rules of the bad Deployment (CLI audit): $ERROR_RULES"

kc patch pyhp "$POLICY" --type=merge -p '{"spec":{"mode":"Deny"}}' >/dev/null || fail "patching the policy to Deny"
bad bad-deny >"$CASES/bad-deny.yaml"
denied_dry_run() { ! kc apply --dry-run=server -f "$CASES/bad-deny.yaml" >/dev/null 2>"$CASES/dry.err" && grep -q 'denied the request' "$CASES/dry.err"; }
t_deny=$(now_ms)
wait_until "$WAIT" denied_dry_run || fail "the webhook did not start denying within ${WAIT}s after mode: Deny" "$CASES/dry.err" "$(OP_LOG)"
ok "policy switched to Deny; the webhook's own policy informer saw it after $(fmt_ms "$t_deny")"

if kc apply -f "$CASES/bad-deny.yaml" >"$CASES/deny.out" 2>"$CASES/deny.err"; then
  fail "Deny mode: a bad Deployment was admitted" "$CASES/deny.out"
fi
grep -q 'admission webhook "workloads.pyhygiene.io" denied the request' "$CASES/deny.err" \
  || fail "Deny mode: apply failed, but not by the webhook" "$CASES/deny.err"
for r in ${ERROR_RULES//,/ }; do grep -q -- "$r" "$CASES/deny.err" || fail "the denial does not name $r" "$CASES/deny.err"; done
if kc get deploy bad-deny -n "$NS" >/dev/null 2>&1; then fail "Deny mode: bad-deny exists after the rejection"; fi
info "kubectl apply -f bad-deny.yaml:"
grep -v '^Warning:' "$CASES/deny.err" | fold -w 200 | head -n 6 | indent
ok "Deny mode: rejected, the message names every error rule ($ERROR_RULES), nothing created"

if kc apply --dry-run=server -f "$CASES/bad-deny.yaml" >/dev/null 2>"$CASES/dry.err"; then
  fail "Deny mode: a server-side dry run of a bad Deployment was admitted"
fi
[[ "$(grep -v '^Warning:' "$CASES/dry.err")" == "$(grep -v '^Warning:' "$CASES/deny.err")" ]] \
  || fail "the dry run was rejected with another message than the real apply" "$CASES/dry.err" "$CASES/deny.err"
if kc get deploy bad-deny -n "$NS" >/dev/null 2>&1; then fail "the dry run created bad-deny"; fi
ok "Deny mode: --dry-run=server rejected with the same message, nothing created"

for kind in StatefulSet CronJob; do
  name="bad-deny-$(tr '[:upper:]' '[:lower:]' <<<"$kind")"
  bad_kind "$kind" "$name" >"$CASES/$name.yaml"
  if kc apply -f "$CASES/$name.yaml" >"$CASES/$name.out" 2>"$CASES/$name.err"; then
    fail "Deny mode: a bad $kind was admitted" "$CASES/$name.out"
  fi
  if ! grep -q 'admission webhook "workloads.pyhygiene.io" denied the request' "$CASES/$name.err" \
    || ! grep -q 'shell-wrapper' "$CASES/$name.err"; then
    fail "Deny mode: the $kind was not denied by the webhook for shell-wrapper" "$CASES/$name.err"
  fi
  if kc get "$kind" "$name" -n "$NS" >/dev/null 2>&1; then fail "Deny mode: $name exists after the rejection"; fi
  ok "Deny mode: a $kind with the same pod template rejected by the webhook (shell-wrapper named), nothing created"
done

bad bad-deny "$ERROR_RULES" >"$CASES/bad-exempt.yaml"
kc apply -f "$CASES/bad-exempt.yaml" >"$CASES/exempt.out" 2>"$CASES/exempt.err" \
  || fail "Deny mode: the exempted Deployment was rejected" "$CASES/exempt.err"
kc get deploy bad-deny -n "$NS" >/dev/null 2>&1 || fail "the exempted bad-deny does not exist"
ok "Deny mode: the same Deployment with pyhygiene.io/exempt: \"$ERROR_RULES\" + exempt-reason admitted ($(grep -c '^Warning:' "$CASES/exempt.err") warnings left)"
exempt_verdict() { [[ "$(kc get deploy bad-deny -n "$NS" -o jsonpath='{.metadata.labels.pyhygiene\.io/verdict}')" == warn ]]; }
wait_until "$WAIT" exempt_verdict || fail "the exempted bad-deny did not get verdict warn: $(kc get deploy bad-deny -n "$NS" -L pyhygiene.io/verdict 2>&1)" "$(OP_LOG)"
ok "the operator labelled it (verdict warn) in Deny mode: its metadata-only writes are not denied"

kc scale deploy billing-web -n "$NS" --replicas=1 >"$CASES/scale.out" 2>&1 || fail "Deny mode: kubectl scale of failing billing-web" "$CASES/scale.out"
[[ "$(kc get deploy billing-web -n "$NS" -o jsonpath='{.spec.replicas}')" == 1 ]] || fail "billing-web not scaled to 1"
kc annotate deploy billing-web -n "$NS" e2e/touched=yes --overwrite >"$CASES/annotate.out" 2>&1 \
  || fail "Deny mode: an annotation-only UPDATE of failing billing-web was denied" "$CASES/annotate.out"
ok "Deny mode: kubectl scale (3 -> 1) and kubectl annotate of failing billing-web work"
operator_running

# ---------------------------------------------------------------- 6. audit log
step "6. the API server's audit log ($AUDIT_LOG)"
audit_check() {
  python3 - "$AUDIT_LOG" "$NS" <<'EOF'
import json, sys
path, ns = sys.argv[1], sys.argv[2]
P = "workloads.pyhygiene.io/"
rows, seen = [], set()
for line in open(path):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    ref = e.get("objectRef") or {}
    if e.get("stage") != "ResponseComplete" or ref.get("resource") != "deployments" \
            or ref.get("namespace") != ns or ref.get("subresource"):
        continue
    a = {k[len(P):]: v for k, v in (e.get("annotations") or {}).items() if k.startswith(P)}
    code = (e.get("responseStatus") or {}).get("code")
    dry = "dryRun=All" in e.get("requestURI", "")
    name = ref.get("name") or "?"
    kind = None
    if name == "bad-warn" and e["verb"] == "create" and a.get("verdict") == "fail" \
            and a.get("mode") == "Warn" and "shell-wrapper" in a.get("rules", ""):
        kind = "warn"
    if name == "bad-deny" and e["verb"] == "create" and a.get("mode") == "Deny" \
            and a.get("verdict") == "fail" and code and code >= 400:
        kind = "deny-dry" if dry else "deny"
    if name == "bad-deny" and e["verb"] == "create" and a.get("mode") == "Deny" and code == 201 and not dry:
        kind = "exempt"
    if kind and kind not in seen:
        seen.add(kind)
        rows.append((name, e["verb"], code, dry, a))
want = {"warn", "deny", "deny-dry", "exempt"}
for name, verb, code, dry, a in rows:
    print(f"{name:<9} {verb} {code}{' dry-run' if dry else ''}: "
          + " ".join(f"{k}={v if len(v) < 40 else v[:37] + '...'}" for k, v in sorted(a.items())))
missing = want - seen
if missing:
    print("missing audit events:", ", ".join(sorted(missing)))
sys.exit(1 if missing else 0)
EOF
}
wait_until 20 audit_check >"$CASES/audit.out" 2>&1 || fail "audit annotations missing" "$CASES/audit.out"
info "audit events of those requests, with their workloads.pyhygiene.io/* annotations:"
indent <"$CASES/audit.out"
ok "audit annotations (verdict, rules, policy, mode) for the Warn create, the Deny rejection (real and dry run) and the exempted create"

# ---------------------------------------------------------------- 7. Prometheus
step "7. Prometheus (make install's, http://127.0.0.1:$PROM_PORT) with the chart's alert rules, 'for:' shortened"
running prometheus || fail "make install's Prometheus is not running" "$LOGS/prometheus.log"
# The chart's rules with every `for:` shortened: the defaults (5m-15m) are for production.
sed -E 's/^( +for: *).*/\15s/' "$CHART/files/alerts.yaml" >"$CASES/alerts.yaml"
timeout 60 promtool check rules "$CASES/alerts.yaml" >"$CASES/check-rules.out" 2>&1 \
  || fail "promtool check rules on the shortened copy" "$CASES/check-rules.out"
cp "$CASES/alerts.yaml" "$PROM_DIR/alerts.yaml"
ALERTS_SHORTENED=1
curl -sf -X POST --max-time 5 "http://127.0.0.1:$PROM_PORT/-/reload" >/dev/null || fail "POST /-/reload to Prometheus" "$LOGS/prometheus.log"
ok "alert rules: helm/pyhygiene/files/alerts.yaml with every 'for:' at 5s, reloaded"
pods_re="$(operator_pods | paste -sd'|')"
prom_query() { # QUERY: the first value, or "none"
  curl -sf --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")'
}
two_up() { [[ "$(prom_query "count(up{job=\"pyhygiene\",operator_pod=~\"$pods_re\"} == 1)")" == 2 ]]; }
wait_until "$WAIT" two_up || fail "Prometheus does not see both operator pods up" "$LOGS/prometheus.log"
ok "up{job=\"pyhygiene\"} = 1 for both pods ($pods_re)"
t_alert=$(now_ms)
alert_firing() {
  curl -sf --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/alerts" >"$CASES/alerts.json" 2>/dev/null || return 1
  python3 - "$CASES/alerts.json" "$NS" <<'PY'
import json, sys
alerts = json.load(open(sys.argv[1]))["data"]["alerts"]
f = [a for a in alerts if a["labels"].get("alertname") == "PyhygieneFailingWorkloads" and a["state"] == "firing"
     and a["labels"].get("namespace") == sys.argv[2]]
for a in f:
    print(f"PyhygieneFailingWorkloads firing: namespace={a['labels'].get('namespace')} value={a.get('value')}"
          f" severity={a['labels'].get('severity')}")
sys.exit(0 if f else 1)
PY
}
wait_until "$WAIT" alert_firing >/dev/null || fail "PyhygieneFailingWorkloads not firing for $NS after ${WAIT}s" "$CASES/alerts.json" "$LOGS/prometheus.log"
ok "$(alert_firing | head -n 1) (after $(fmt_ms "$t_alert"), via /api/v1/alerts)"
# The leader's scrape target, as make install wrote it for Prometheus (the Service's endpoints).
leader_target="$(python3 -c '
import json, sys
for t in json.load(open(sys.argv[1])):
    if t["labels"].get("operator_pod") == sys.argv[2]:
        print(t["targets"][0])' "$PROM_DIR/targets.json" "$LEADER_POD")"
[[ -n "$leader_target" ]] || fail "no scrape target for $LEADER_POD in $PROM_DIR/targets.json" "$PROM_DIR/targets.json"
curl -sf --max-time 10 "http://$leader_target/metrics" >"$CASES/metrics.txt" || fail "scraping the leader's /metrics at $leader_target"
grep -q '^pyhygiene_workloads{' "$CASES/metrics.txt" || fail "no pyhygiene_workloads in the leader's /metrics" "$CASES/metrics.txt"
set +e
timeout 60 promtool check metrics <"$CASES/metrics.txt" >"$CASES/check-metrics.out" 2>&1
rc=$?
set -e
# promtool: 0 clean, 3 lint warnings only, anything else an error.
[[ $rc == 0 || $rc == 3 ]] || fail "promtool check metrics: exit $rc" "$CASES/check-metrics.out"
if [[ -s "$CASES/check-metrics.out" ]]; then
  info "promtool check metrics: $(wc -l <"$CASES/check-metrics.out") lint warning(s) (not errors):"
  indent <"$CASES/check-metrics.out"
fi
ok "promtool check metrics on the leader's /metrics ($LEADER_POD, $(grep -vc '^#' "$CASES/metrics.txt") samples): no errors"
operator_running

# ---------------------------------------------------------------- 8. fail open
GRACE="$(kc get deploy "$RELEASE" -n "$OP_NS" -o jsonpath='{.spec.template.spec.terminationGracePeriodSeconds}')"
step "8. fail open: the operator scaled to 0 (grace period ${GRACE}s), then a bad Deployment applied in Deny mode"
if probs="$(log_problems)"; then fail "operator log has errors, RBAC denials or a lost Lease:
$probs" "$(OP_LOG)"; fi
ok "both pods' logs of the whole run: no ERROR line, no 403/forbidden, no lost Lease"
# Follow each pod's log and the pods' status until they are gone: a deleted pod's log and its
# container's exit code are only readable while it exists.
kc_stream() { timeout --kill-after=5 "$((GRACE + 120))" "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" "$@"; }
for p in $(operator_pods); do
  kc_stream logs -f -n "$OP_NS" "$p" >"$OP_DIR/stop-$p.log" 2>&1 7>&- &
  STREAM_PIDS+=($!)
done
kc_stream get pods -n "$OP_NS" -l "$POD_SELECTOR" -w --output-watch-events -o json >"$OP_DIR/pods-watch.json" 2>&1 7>&- &
WATCH_PID=$!
STREAM_PIDS+=("$WATCH_PID")
t_scale=$(now_ms)
kc scale deploy "$RELEASE" -n "$OP_NS" --replicas=0 >/dev/null || fail "kubectl scale --replicas=0"
no_pods() { [[ -z "$(operator_pods)" ]]; }
wait_until "$((GRACE + 60))" no_pods || fail "operator pods still exist $((GRACE + 60))s after scaling to 0: $(operator_pods | tr '\n' ' ')"
ok "both pods gone $(fmt_ms "$t_scale") after kubectl scale --replicas=0"
kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null || true
# Per pod: the container's exit code and seconds from the pod's deletion to the container's end.
python3 - "$OP_DIR/pods-watch.json" "$GRACE" >"$CASES/stop.out" 2>&1 <<'PY' || fail "the operator pods did not stop cleanly on SIGTERM" "$CASES/stop.out"
import datetime, json, sys
grace = int(sys.argv[2])
dec = json.JSONDecoder()
text, i, events = open(sys.argv[1]).read(), 0, []
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    try:
        obj, i = dec.raw_decode(text, i)
    except ValueError:
        break
    events.append(obj)
t = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
pods = {}
for e in events:
    pod = e.get("object") or {}
    name = pod.get("metadata", {}).get("name")
    info = pods.setdefault(name, {})
    if pod["metadata"].get("deletionTimestamp") and "deleted" not in info:
        info["deleted"] = pod["metadata"]["deletionTimestamp"]
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        term = (cs.get("state") or {}).get("terminated")
        if term:
            info["term"] = term
bad = 0
for name, info in sorted(pods.items()):
    term = info.get("term")
    if not term or "deleted" not in info:
        print(f"{name}: no terminated state seen (deleted: {info.get('deleted')})"); bad += 1; continue
    secs = (t(term["finishedAt"]) - t(info["deleted"])).total_seconds()
    # deletionTimestamp is the deletion time plus the grace period
    secs += grace
    ok = term.get("exitCode") == 0 and secs <= grace
    print(f"{name}: exit {term.get('exitCode')} ({term.get('reason')}) {secs:.0f}s after deletion (grace {grace}s)"
          + ("" if ok else "  <- want exit 0 within the grace period"))
    bad += 0 if ok else 1
if len(pods) != 2:
    print(f"want 2 pods in the watch, saw {len(pods)}"); bad += 1
sys.exit(1 if bad else 0)
PY
indent <"$CASES/stop.out"
ok "each pod exited 0 within the grace period (SIGTERM is a clean stop)"
for f in "$OP_DIR"/stop-*.log; do
  tail -n 5 "$f" | grep -q '"pyhygiene stopped"' || fail "no clean stop ('pyhygiene stopped') at the end of $(basename "$f")" "$f"
done
ok "both pods' logs end with 'pyhygiene stopped'"
bad after-stop >"$CASES/after-stop.yaml"
t_apply=$(now_ms)
KC_TIMEOUT=20 kc apply -f "$CASES/after-stop.yaml" >"$CASES/after-stop.out" 2>&1 \
  || fail "with the operator down, kubectl apply failed (the webhook must fail open)" "$CASES/after-stop.out"
ms=$(( $(now_ms) - t_apply ))
(( ms <= 6000 )) || fail "kubectl apply took ${ms} ms with the operator down (timeoutSeconds 3, failurePolicy Ignore)"
kc get deploy after-stop -n "$NS" >/dev/null 2>&1 || fail "after-stop was not created"
ok "a bad Deployment was admitted in Deny mode with the operator down, kubectl apply took $(fmt_ms "$t_apply")"
failed_open() { grep '"after-stop"' "$AUDIT_LOG" | grep -q 'failed-open.validating.webhook.admission.k8s.io'; }
wait_until 10 failed_open || fail "no failed-open audit annotation for after-stop" "$AUDIT_LOG"
ok "the audit log records it: failed-open.validating.webhook.admission.k8s.io = workloads.pyhygiene.io"

STEP="9. cleanup"
