#!/usr/bin/env bash
# The end-to-end suite (`make e2e`, part of `make test`): pyhygiene installed the way the chart
# installs it, on a real control plane of its own, with the operator jar running as a local
# process authenticated as the chart's ServiceAccount, then:
#   1. CRDs (+ the optional PolicyReport CRD), namespace pyhygiene-system
#   2. webhook CA + serving cert for 127.0.0.1; the chart's ServiceAccount, RBAC and
#      ValidatingWebhookConfiguration (helm template --set webhook.url/caBundle), applied
#   3. the operator as that ServiceAccount (TokenRequest token): ready, no ERROR, no 403
#   4. a Warn policy (namespaceSelector) + examples/: verdict labels, findings annotation,
#      PolicyReport, policy status
#   5. admission: Warn prints warnings; Deny rejects (also dry runs), exemptions admit,
#      kubectl scale of a failing Deployment still works
#   6. the API server's audit log holds the webhook's audit annotations
#   7. a real Prometheus scrapes the operator with the chart's alerts (for: shortened) and
#      PyhygieneFailingWorkloads fires; promtool check metrics on a real scrape
#   8. fail open: operator stopped by SIGTERM (clean, within the chart's grace period), then a
#      Deployment apply still succeeds within seconds
#   9. everything started is stopped (also on failure), the cluster wiped
#
# Own instance: work dir e2e/.work-e2e, ports 16643/16644 (apiserver/kcm), 23990/24000 (etcd),
# so `make cluster-up`'s cluster (e2e/.work) and cluster-check (e2e/.work-check) are never
# touched. Overrides: PYHYGIENE_E2E_TEST_WORK, PYHYGIENE_E2E_TEST_{APISERVER,KCM,ETCD,ETCD_PEER}_PORT.
# Waits: PYHYGIENE_E2E_WAIT (default 90 s per condition). On failure the logs are copied to
# e2e/.work-e2e-failed/ (<work dir>-failed) before the cluster is wiped.
set -euo pipefail
BIN="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

export PYHYGIENE_E2E_WORK="${PYHYGIENE_E2E_TEST_WORK:-$BIN/../.work-e2e}"
export PYHYGIENE_APISERVER_PORT="${PYHYGIENE_E2E_TEST_APISERVER_PORT:-16643}"
export PYHYGIENE_KCM_PORT="${PYHYGIENE_E2E_TEST_KCM_PORT:-16644}"
export PYHYGIENE_ETCD_PORT="${PYHYGIENE_E2E_TEST_ETCD_PORT:-23990}"
export PYHYGIENE_ETCD_PEER_PORT="${PYHYGIENE_E2E_TEST_ETCD_PEER_PORT:-24000}"
# The operator jar runs as a local process against a control plane of its own: no node (the
# machine's one node belongs to the main cluster; the chart on the node: make node-e2e).
export PYHYGIENE_NODE=0
mkdir -p "$PYHYGIENE_E2E_WORK"
PYHYGIENE_E2E_WORK="$(cd "$PYHYGIENE_E2E_WORK" && pwd)"
OP_DIR="$PYHYGIENE_E2E_WORK/operator"
# shellcheck disable=SC2034 # used by operator-lib.sh
FIELD_MANAGER=pyhygiene-e2e
# shellcheck source=operator-lib.sh
source "$BIN/operator-lib.sh"

WAIT="${PYHYGIENE_E2E_WAIT:-90}"
# As the chart runs it (leaderElection.enabled: true): the Lease Role is exercised too.
LEADER_ELECTION="${PYHYGIENE_E2E_LEADER_ELECTION:-true}"
PROM_DIR="$WORK/prometheus"
CASES="$WORK/cases"
FAILED_LOGS="$WORK-failed"
NS=shop
OTHER_NS=e2e-unselected
POLICY=e2e
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
# trap stops everything).
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

# ---------------------------------------------------------------- cleanup
PROM_PID=""
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  printf '\n== 9. stop everything started (prometheus, operator, the e2e cluster: WIPE)  [%s]\n' "$(elapsed)"
  if (( rc )); then
    rm -rf "$FAILED_LOGS"; mkdir -p "$FAILED_LOGS"
    cp -r "$OP_DIR/operator.log" "$PROM_DIR/prometheus.log" "$LOGS" "$AUDIT_LOG" "$CASES" \
      "$WORK/tools.out" "$WORK/cluster-up.out" \
      "$FAILED_LOGS/" 2>/dev/null
    info "logs of the failed run copied to $FAILED_LOGS/"
  fi
  if [[ -n "$PROM_PID" ]] && alive "$PROM_PID"; then
    kill -TERM "$PROM_PID"; for _ in $(seq 100); do alive "$PROM_PID" || break; sleep 0.1; done
    alive "$PROM_PID" && kill -KILL "$PROM_PID"
    wait "$PROM_PID" 2>/dev/null
    info "stopped prometheus (pid $PROM_PID)"
  fi
  if pid="$(operator_pid)"; then
    stop_operator 30 >/dev/null 2>&1
    info "stopped the operator (pid $pid)"
  fi
  rm -rf "$OP_DIR" "$PROM_DIR" "$CASES" "$WORK/tools.out" "$WORK/cluster-up.out"
  WIPE=1 timeout 120 bash "$BIN/cluster-down.sh" 7>&- 2>&1 | sed 's/^/  [cluster-down] /'
  local left
  left="$(pgrep -af -- "$WORK/" | grep -v "^$$ " || true)"
  if [[ -n "$left" ]]; then
    printf '  FAIL: processes of %s still running:\n%s\n' "$WORK" "$left" >&2; rc=1
  else
    info "nothing of this run is left running"
  fi
  if (( rc )); then
    printf '\ne2e: FAILED in %s (step: %s)\n' "$(elapsed)" "$STEP" >&2
  else
    printf '\ne2e: all checks passed in %s\n' "$(elapsed)"
  fi
  exit "$rc"
}

# One run at a time per work dir (fd 7 is closed for everything this script starts).
exec 7>"$WORK.lock"
flock -w 600 7 || die "another e2e run holds $WORK.lock"
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- preflight
step "0. tools, jar, a fresh control plane ($WORK; apiserver :$APISERVER_PORT, etcd :$ETCD_PORT)"
timeout 900 bash "$BIN/tools.sh" openssl kube etcd helm promtool 7>&- >"$WORK/tools.out" 2>&1 \
  || fail "tools.sh failed" "$WORK/tools.out"
info "$(tail -n 1 "$WORK/tools.out")"
command -v prometheus >/dev/null || fail "prometheus not found (the Debian package prometheus provides it)"
command -v python3 >/dev/null || fail "python3 not found"
[[ -s "$JAR" ]] || fail "$JAR missing: run 'make build' (mvn -B -q package -DskipTests)"
ok "jar $JAR ($(date -r "$JAR" '+%F %T'))"
WIPE=1 timeout 120 bash "$BIN/cluster-down.sh" 7>&- >/dev/null 2>&1 || true
mkdir -p "$OP_DIR" "$PROM_DIR" "$CASES"
timeout 300 bash "$BIN/cluster-up.sh" 7>&- >"$WORK/cluster-up.out" 2>&1 \
  || fail "cluster-up failed" "$WORK/cluster-up.out"
ok "$(grep -o 'cluster up in .*' "$WORK/cluster-up.out")"

# ---------------------------------------------------------------- 1. CRDs
step "1. CRDs (server-side apply) and namespace $OP_NS"
install_crds >"$CASES/crds.out" 2>&1 || fail "applying the CRDs" "$CASES/crds.out"
ok "established: $(kc get crd -o name | sed 's|.*/||' | tr '\n' ' ')"
kc create namespace "$OP_NS" >/dev/null || fail "creating namespace $OP_NS"
ok "namespace $OP_NS"

# ---------------------------------------------------------------- 2. the chart's RBAC + webhook
HTTP_PORT="$(free_port)"
WEBHOOK_PORT="$(free_port)"
while [[ "$WEBHOOK_PORT" == "$HTTP_PORT" ]]; do WEBHOOK_PORT="$(free_port)"; done
step "2. webhook TLS for 127.0.0.1 and the chart's ServiceAccount, RBAC and webhook configuration"
gen_webhook_tls || fail "openssl: webhook certificates"
ok "CA and serving cert (SAN IP:127.0.0.1) in $OP_DIR/tls"
install_chart_parts "$WEBHOOK_PORT" >"$CASES/chart.out" 2>&1 || fail "helm template | kubectl apply" "$CASES/chart.out"
ok "applied $(grep -c '^kind:' "$OP_DIR/chart-parts.yaml") objects rendered by helm template from $CHART:"
awk '/^kind:/ {k=$2} /^  name:/ && k {print "      " k "/" $2; k=""}' "$OP_DIR/chart-parts.yaml"
url="$(kc get validatingwebhookconfiguration "$RELEASE" -o jsonpath='{.webhooks[0].clientConfig.url} failurePolicy={.webhooks[0].failurePolicy} timeoutSeconds={.webhooks[0].timeoutSeconds}')"
ok "webhook: $url"

# ---------------------------------------------------------------- 3. the operator
step "3. the operator jar as ServiceAccount $OP_NS/$SA_NAME (http :$HTTP_PORT, webhook :$WEBHOOK_PORT)"
sa_kubeconfig || fail "kubectl create token $SA_NAME"
who="$(timeout 30 "$KUBECTL" --kubeconfig "$OP_DIR/kubeconfig" auth whoami -o jsonpath='{.status.userInfo.username}' 2>&1)" \
  || fail "kubectl auth whoami with the token: $who"
[[ "$who" == "system:serviceaccount:$OP_NS:$SA_NAME" ]] || fail "the token authenticates as '$who'"
ok "token kubeconfig authenticates as $who"
t_start=$(now_ms)
start_operator "$HTTP_PORT" "$WEBHOOK_PORT" PYHYGIENE_REPORT_INTERVAL=1s \
  PYHYGIENE_LEADER_ELECTION="$LEADER_ELECTION" || fail "starting the operator"
wait_operator_ready "$HTTP_PORT" 120 || fail "/readyz" "$(OP_LOG)"
ok "/readyz ok after $(fmt_ms "$t_start") (pid $OP_PID, log $(OP_LOG))"
# operator_running: still the process started above (it exits when it loses the Lease).
operator_running() {
  alive "$OP_PID" || fail "the operator (pid $OP_PID) exited" "$(OP_LOG)"
}
lease_diagnosis() {
  info "the ServiceAccount's permissions on leases in $OP_NS (kubectl auth can-i --list):"
  kc auth can-i --list -n "$OP_NS" --as="system:serviceaccount:$OP_NS:$SA_NAME" 2>&1 | grep -E 'Resources|leases' | indent
}
if [[ "$LEADER_ELECTION" == true ]]; then
  lease_time() { kc get lease pyhygiene-leader -n "$OP_NS" -o jsonpath='{.spec.holderIdentity} {.spec.renewTime}' 2>/dev/null; }
  leading() { op_log_since_start | grep -q '"became the leader'; }
  wait_until 60 leading || { lease_diagnosis; fail "the operator did not become the leader" "$(OP_LOG)"; }
  first="$(lease_time)"; probs=""
  renewed() { local now; now="$(lease_time)"; [[ -n "$now" && "$now" != "$first" && "${now%% *}" == "${first%% *}" ]]; }
  renewed_or_problem() { renewed || log_problems >/dev/null; }
  wait_until 20 renewed_or_problem || true
  if ! renewed || probs="$(log_problems)"; then
    lease_diagnosis
    fail "leader election: the Lease is not renewed by its holder (acquired: '$first', now: '$(lease_time)')${probs:+:
$probs}" "$(OP_LOG)"
  fi
  ok "leader election: Lease $OP_NS/pyhygiene-leader held and renewed by ${first%% *}"
else
  info "leader election off (PYHYGIENE_E2E_LEADER_ELECTION=$LEADER_ELECTION): the chart's Lease Role is not exercised"
fi
if probs="$(log_problems)"; then fail "operator log has errors, RBAC denials or a lost Lease:
$probs" "$(OP_LOG)"; fi
ok "log: no ERROR line, no 403/forbidden, no lost Lease"

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
other="$(kc get deploy billing-web -n "$OTHER_NS" -o jsonpath='{.metadata.labels.pyhygiene\.io/verdict}')"
[[ -z "$other" ]] || fail "billing-web in unselected namespace $OTHER_NS got verdict '$other'"
ok "billing-web in namespace $OTHER_NS (not selected by the namespaceSelector) has no verdict label"
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

# The error-severity rules of the bad Deployment, from the offline CLI (same engine).
java -jar "$OP_DIR/pyhygiene.jar" audit -f "$CASES/bad-warn.yaml" --policy "$REPO_ROOT/examples/policy.yaml" \
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
grep -q 'admission webhook "deployments.pyhygiene.io" denied the request' "$CASES/deny.err" \
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
P = "deployments.pyhygiene.io/"
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
info "audit events of those requests, with their deployments.pyhygiene.io/* annotations:"
indent <"$CASES/audit.out"
ok "audit annotations (verdict, rules, policy, mode) for the Warn create, the Deny rejection (real and dry run) and the exempted create"

# ---------------------------------------------------------------- 7. Prometheus
step "7. Prometheus ($(prometheus --version 2>&1 | head -n 1 | awk '{print $3}')) with the chart's alert rules"
# The chart's rules with every `for:` shortened: the defaults (15m, 10m, 5m) are for production.
sed -E 's/^( +for: *).*/\15s/' "$CHART/files/alerts.yaml" >"$PROM_DIR/alerts.yaml"
info "alert rules: a copy of helm/pyhygiene/files/alerts.yaml with every 'for:' shortened to 5s (defaults 5m-15m)"
timeout 60 promtool check rules "$PROM_DIR/alerts.yaml" >"$PROM_DIR/check-rules.out" 2>&1 \
  || fail "promtool check rules on the shortened copy" "$PROM_DIR/check-rules.out"
PROM_PORT="$(free_port)"
cat >"$PROM_DIR/prometheus.yml" <<EOF
global:
  scrape_interval: 2s
  evaluation_interval: 2s
rule_files: ["$PROM_DIR/alerts.yaml"]
scrape_configs:
  - job_name: pyhygiene
    scrape_interval: 2s
    static_configs:
      - targets: ["127.0.0.1:$HTTP_PORT"]
EOF
setsid prometheus --config.file="$PROM_DIR/prometheus.yml" --storage.tsdb.path="$PROM_DIR/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --storage.tsdb.retention.time=1h \
  </dev/null >"$PROM_DIR/prometheus.log" 2>&1 7>&- &
PROM_PID=$!
prom_ready() { alive "$PROM_PID" && curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$PROM_PORT/-/ready"; }
wait_until 60 prom_ready || fail "prometheus not ready on 127.0.0.1:$PROM_PORT" "$PROM_DIR/prometheus.log"
ok "prometheus ready on http://127.0.0.1:$PROM_PORT (pid $PROM_PID), scraping 127.0.0.1:$HTTP_PORT/metrics as job pyhygiene every 2s"
t_alert=$(now_ms)
alert_firing() {
  curl -sf --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/alerts" >"$PROM_DIR/alerts.json" 2>/dev/null || return 1
  python3 - "$PROM_DIR/alerts.json" <<'EOF'
import json, sys
alerts = json.load(open(sys.argv[1]))["data"]["alerts"]
f = [a for a in alerts if a["labels"].get("alertname") == "PyhygieneFailingWorkloads" and a["state"] == "firing"]
for a in f:
    print(f"PyhygieneFailingWorkloads firing: namespace={a['labels'].get('namespace')} value={a.get('value')}"
          f" severity={a['labels'].get('severity')}")
sys.exit(0 if f else 1)
EOF
}
wait_until "$WAIT" alert_firing >/dev/null || fail "PyhygieneFailingWorkloads not firing after ${WAIT}s" "$PROM_DIR/alerts.json" "$PROM_DIR/prometheus.log"
ok "$(alert_firing | head -n 1) (after $(fmt_ms "$t_alert"), via /api/v1/alerts)"
up="$(curl -sf --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode 'query=up{job="pyhygiene"}' \
  | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")')"
[[ "$up" == 1 ]] || fail "up{job=\"pyhygiene\"} is $up"
ok "up{job=\"pyhygiene\"} = 1"
curl -sf --max-time 10 "http://127.0.0.1:$HTTP_PORT/metrics" >"$PROM_DIR/metrics.txt" || fail "scraping /metrics"
grep -q '^pyhygiene_workloads{' "$PROM_DIR/metrics.txt" || fail "no pyhygiene_workloads in /metrics" "$PROM_DIR/metrics.txt"
set +e
timeout 60 promtool check metrics <"$PROM_DIR/metrics.txt" >"$PROM_DIR/check-metrics.out" 2>&1
rc=$?
set -e
# promtool: 0 clean, 3 lint warnings only, anything else an error.
[[ $rc == 0 || $rc == 3 ]] || fail "promtool check metrics: exit $rc" "$PROM_DIR/check-metrics.out"
if [[ -s "$PROM_DIR/check-metrics.out" ]]; then
  info "promtool check metrics: $(wc -l <"$PROM_DIR/check-metrics.out") lint warning(s) (not errors):"
  indent <"$PROM_DIR/check-metrics.out"
fi
ok "promtool check metrics on a real scrape ($(grep -vc '^#' "$PROM_DIR/metrics.txt") samples): no errors"
operator_running
kill -TERM "$PROM_PID"
for _ in $(seq 200); do alive "$PROM_PID" || break; sleep 0.1; done
alive "$PROM_PID" && fail "prometheus still running 20 s after SIGTERM" "$PROM_DIR/prometheus.log"
wait "$PROM_PID" 2>/dev/null || true; PROM_PID=""
ok "prometheus stopped"

# ---------------------------------------------------------------- 8. fail open
GRACE="$(chart_grace_seconds)"
step "8. fail open: SIGTERM the operator (chart grace period ${GRACE}s), then apply a bad Deployment in Deny mode"
if probs="$(log_problems)"; then fail "operator log has errors, RBAC denials or a lost Lease:
$probs" "$(OP_LOG)"; fi
operator_running
ok "operator log of the whole run: no ERROR line, no 403/forbidden, no lost Lease"
if ! stop_operator "$GRACE"; then
  info "where the shutdown hangs (thread dump taken before SIGKILL):"
  grep -A14 '^"pyhygiene-shutdown"' "$(OP_LOG)" | indent
  fail "the operator did not exit within ${GRACE}s of SIGTERM (killed; thread dump in the log)"
fi
ok "operator exited ${OP_STOP_SECONDS} after SIGTERM"
op_log_since_start | tail -n 5 | grep -q '"pyhygiene stopped"' || fail "no clean stop ('pyhygiene stopped') at the end of the log" "$(OP_LOG)"
if probs="$(log_problems)"; then fail "errors while stopping:
$probs" "$(OP_LOG)"; fi
ok "log ends with 'pyhygiene stopped', no ERROR"
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
ok "the audit log records it: failed-open.validating.webhook.admission.k8s.io = deployments.pyhygiene.io"

STEP="9. cleanup"
rm -rf "$FAILED_LOGS"   # a previous failure's logs
