#!/usr/bin/env bash
# Checks the Helm chart helm/pyhygiene (run by `make test`, inside e2e/bin/with-cluster.sh):
#   1. helm lint --strict, for each values variant, and values that must be rejected
#   2. helm template of each variant, applied to the real API server with
#      `kubectl apply --dry-run=server` (the chart's CRDs are server-side applied first);
#      kinds whose CRDs the test cluster lacks are listed and checked offline where possible;
#      the self-signed webhook certificate is reused from an existing Secret (lookup)
#   3. promtool check/test rules on files/alerts.yaml, and the same unit tests against the
#      rules as the rendered PrometheusRule carries them
#   4. helm/pyhygiene/crds/ equals crds/*.yml byte for byte
#   5. the rendered operator Deployment passes pyhygiene's own audit (verdict pass, no findings)
#   6. no rendered (Cluster)Role mentions secrets or a wildcard
#   7. the Grafana dashboard is valid JSON and every query parses
# Exits non-zero if any check fails; every external command is bounded by a timeout.
#
# Cluster: KUBECONFIG if set, else e2e/.work/kubeconfig; when that cluster is not running the
# script re-runs itself under e2e/bin/with-cluster.sh (starts it, and stops it afterwards).
# It creates a namespace pyhygiene-chart-test-* (deleted at the end) and leaves the chart's
# CRDs installed (server-side apply, field manager pyhygiene-chart-test).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# shellcheck source=../e2e/versions.env
source e2e/versions.env
CACHE="${PYHYGIENE_CACHE:-$HOME/.cache/pyhygiene}"
HELM="$CACHE/bin/helm-$HELM_VERSION"
KUBECTL="$CACHE/bin/kubectl-$K8S_VERSION"
PROMTOOL="${PROMTOOL:-promtool}"
CHART="${PYHYGIENE_CHART_DIR:-helm/pyhygiene}"  # override to test a modified copy
# shellcheck source=../build.env
source build.env
JAR="$DIST_JAR"
# A fresh namespace per run: a previous run's may still be terminating, or another run active.
NS="${PYHYGIENE_CHART_TEST_NAMESPACE:-pyhygiene-chart-test-$(date +%s)-$$}"
STEP_TIMEOUT="${PYHYGIENE_CHART_TEST_STEP_TIMEOUT:-120}"
KREQ=(--request-timeout=30s)

failures=()
note() { printf '  %s\n' "$*"; }
pass() { printf '  ok: %s\n' "$*"; }
fail() { printf '  FAIL: %s\n' "$*"; failures+=("$*"); }
section() { printf '\n== %s\n' "$*"; }
indent() { sed 's/^/    /'; }
# t CMD...: run with the step timeout.
t() { timeout --kill-after=10 "$STEP_TIMEOUT" "$@"; }

for tool in "$HELM" "$KUBECTL"; do
  [[ -x "$tool" ]] || { echo "ERROR: $tool missing: run 'make tools'" >&2; exit 2; }
done
command -v "$PROMTOOL" >/dev/null || { echo "ERROR: promtool missing: run 'make tools'" >&2; exit 2; }
command -v python3 >/dev/null || { echo "ERROR: python3 missing" >&2; exit 2; }

# --- the cluster ----------------------------------------------------------------------------
export KUBECONFIG="${KUBECONFIG:-$REPO_ROOT/e2e/.work/kubeconfig}"
cluster_ready() {
  [[ -f "$KUBECONFIG" ]] && [[ "$("$KUBECTL" get --raw /readyz --request-timeout=5s 2>/dev/null)" == ok ]]
}
if ! cluster_ready; then
  if [[ -z "${PYHYGIENE_CHART_TEST_WRAPPED:-}" && "$KUBECONFIG" == "$REPO_ROOT/e2e/.work/kubeconfig" ]]; then
    echo "chart-test: the local control plane is not running; starting it with e2e/bin/with-cluster.sh"
    PYHYGIENE_CHART_TEST_WRAPPED=1 exec bash e2e/bin/with-cluster.sh bash "$0" "$@"
  fi
  echo "ERROR: no ready API server behind KUBECONFIG=$KUBECONFIG" >&2
  exit 2
fi
SERVER_VERSION="$("$KUBECTL" version -o json "${KREQ[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')"
echo "chart-test: helm $HELM_VERSION, kubectl $K8S_VERSION, API server $SERVER_VERSION ($KUBECONFIG)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/pyhygiene-chart-test.XXXXXX")"
cleanup() {
  "$KUBECTL" delete namespace "$NS" --ignore-not-found --wait=false "${KREQ[@]}" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- values variants ------------------------------------------------------------------------
# The url variant needs a base64 PEM CA: take the one the chart generates.
CA_B64="$(t "$HELM" template pyhygiene "$CHART" -n "$NS" --kube-version "$SERVER_VERSION" \
  --show-only templates/webhook.yaml | sed -n 's/^ *caBundle: //p' | head -1)"
[[ -n "$CA_B64" ]] || { echo "ERROR: could not render the webhook caBundle" >&2; exit 1; }

VARIANTS=(default cert-manager cert-manager-issuer url everything minimal pull-secrets)
declare -A RELEASE=([default]=pyhygiene [cert-manager]=pyhygiene [cert-manager-issuer]=pyhygiene
  [url]=pyhygiene [everything]=ph [minimal]=pyhygiene [pull-secrets]=pyhygiene)
declare -A ARGS=(
  [default]=""
  [cert-manager]="--set webhook.certManager.enabled=true"
  [cert-manager-issuer]="--set webhook.certManager.enabled=true,webhook.certManager.issuerRef.name=corp-ca,webhook.certManager.issuerRef.kind=ClusterIssuer"
  [url]="--set webhook.url=https://127.0.0.1:8443/validate,webhook.caBundle=$CA_B64"
  [everything]="--set serviceMonitor.enabled=true,policyReportCRD.install=true,replicaCount=3,watchNamespaces={shop,billing},webhook.excludeNamespaces={monitoring},prometheusRule.alertLabels.team=platform,prometheusRule.alertOverrides.PyhygieneFailingWorkloads.for=30m,prometheusRule.alertOverrides.PyhygieneWebhookLatencyHigh.disabled=true,defaultPolicy.mode=Warn,defaultPolicy.spec.shutdown.marginSeconds=10,image.digest=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  [minimal]="--set webhook.enabled=false,defaultPolicy.create=false,prometheusRule.enabled=false,dashboard.enabled=false,leaderElection.enabled=false,replicaCount=1"
  [pull-secrets]="--set imageResolution.pullSecrets=true"
)
render() { # render VARIANT [extra helm args...] > yaml
  local v="$1"; shift
  # shellcheck disable=SC2086 # ARGS entries are word lists
  # As on a cluster with the Prometheus operator, so the PrometheusRule is rendered and checked.
  t "$HELM" template "${RELEASE[$v]}" "$CHART" -n "$NS" --kube-version "$SERVER_VERSION" \
    --api-versions monitoring.coreos.com/v1/PrometheusRule ${ARGS[$v]} "$@"
}
# split_docs IN SERVER_OUT OFFLINE_OUT: documents whose API group the test cluster serves vs
# the rest (prometheus-operator, cert-manager).
split_docs() {
  awk -v srv="$2" -v off="$3" '
    BEGIN { printf "" > srv; printf "" > off }
    function flush() {
      if (doc ~ /(^|\n)kind: /) { printf "---\n%s", doc > ((offline) ? off : srv) }
      doc = ""; offline = 0
    }
    /^---$/ { flush(); next }
    /^apiVersion: (monitoring\.coreos\.com|cert-manager\.io)\// { offline = 1 }
    { doc = doc $0 "\n" }
    END { flush() }
  ' "$1"
}
# doc_of_kind KIND FILE: the first document of that kind.
doc_of_kind() {
  awk -v k="$1" '/^---$/{if (hit) exit; d=""; next} $0 == "kind: " k {hit=1} {d=d $0 "\n"} END{if (hit) printf "%s", d}' "$2"
}
kinds_of() { awk '/^kind: /{k=$2} /^  name: /{if(k){print k"/"$2; k=""}}' "$1" | paste -sd' ' -; }

# --- 1. helm lint ---------------------------------------------------------------------------
section "1. helm lint --strict"
for v in "${VARIANTS[@]}"; do
  # shellcheck disable=SC2086 # ARGS entries are word lists
  if out="$(t "$HELM" lint "$CHART" --strict ${ARGS[$v]} 2>&1)"; then
    pass "lint ($v)"
  else
    fail "lint ($v)"; indent <<<"$out"
  fi
done
# Values the chart must refuse (schema or template checks).
reject() { # reject DESCRIPTION HELM_ARGS...
  local what="$1"; shift
  if t "$HELM" template x "$CHART" --kube-version "$SERVER_VERSION" "$@" >/dev/null 2>"$WORK/reject.err"; then
    fail "accepted $what"
  else
    pass "rejects $what: $(grep -m1 -oE '(Error: .*|- .*)' "$WORK/reject.err" | cut -c1-110)"
  fi
}
reject "image.tag=latest" --set image.tag=latest
reject "webhook.url without webhook.caBundle" --set webhook.url=https://127.0.0.1:8443/validate
reject "an unknown value" --set webhok.enabled=false
reject "a memory limit removed" --set resources.limits.memory=null
reject "an unknown alert override" --set prometheusRule.requireCRD=true,prometheusRule.alertOverrides.NoSuchAlert.for=5m
reject "defaultPolicy.mode=Block" --set defaultPolicy.mode=Block

# --- 2. render + server-side dry run --------------------------------------------------------
section "2. helm template + kubectl apply --dry-run=server (API server $SERVER_VERSION)"
if t "$KUBECTL" apply --server-side --force-conflicts --field-manager=pyhygiene-chart-test \
     -f "$CHART/crds/" "${KREQ[@]}" >"$WORK/crds.out" 2>&1 \
   && t "$KUBECTL" wait --for condition=established --timeout=60s \
     crd/pythonhygienepolicies.pyhygiene.io "${KREQ[@]}" >/dev/null 2>&1; then
  pass "server-side applied $CHART/crds/ ($(paste -sd' ' "$WORK/crds.out"))"
else
  fail "server-side apply of $CHART/crds/"; indent <"$WORK/crds.out"
fi
t "$KUBECTL" create namespace "$NS" "${KREQ[@]}" >/dev/null
for v in "${VARIANTS[@]}"; do
  y="$WORK/$v.yaml"
  if ! render "$v" >"$y" 2>"$WORK/$v.err"; then
    fail "render ($v)"; indent <"$WORK/$v.err"; continue
  fi
  split_docs "$y" "$WORK/$v.server.yaml" "$WORK/$v.offline.yaml"
  if out="$(t "$KUBECTL" apply --dry-run=server --validate=strict -f "$WORK/$v.server.yaml" "${KREQ[@]}" 2>&1)"; then
    pass "dry-run=server ($v): $(grep -c '(server dry run)$' <<<"$out") objects accepted: $(kinds_of "$WORK/$v.server.yaml")"
  else
    fail "dry-run=server ($v)"; indent <<<"$out"
  fi
  if [[ -s "$WORK/$v.offline.yaml" ]]; then
    note "not sent to the API server ($v; the test cluster has no prometheus-operator/cert-manager CRDs): $(kinds_of "$WORK/$v.offline.yaml")"
  fi
done
# A plain `helm install` on this cluster (no Prometheus operator): the PrometheusRule is left
# out (the CRD is absent) instead of failing the install, and NOTES.txt says so.
if t "$HELM" install pyhygiene "$CHART" -n "$NS" --dry-run=server >"$WORK/install.out" 2>&1 \
   && ! grep -q '^kind: PrometheusRule' "$WORK/install.out" \
   && grep -q 'Alerts: NOT installed' "$WORK/install.out"; then
  pass "helm install --dry-run=server (defaults) works without the PrometheusRule CRD; NOTES say so"
else
  fail "helm install --dry-run=server (defaults)"; tail -20 "$WORK/install.out" | indent
fi
# Expectations on the rendered variants.
expect() { # expect VARIANT DESCRIPTION GREP_ARGS...
  local v="$1" what="$2"; shift 2
  if grep -q "$@" "$WORK/$v.yaml"; then pass "$v: $what"; else fail "$v: $what"; fi
}
expect_not() {
  local v="$1" what="$2"; shift 2
  if grep -q "$@" "$WORK/$v.yaml"; then fail "$v: $what"; else pass "$v: $what"; fi
}
expect default "webhook clientConfig.service -> ${RELEASE[default]}:443/validate" -Pzo "service:\n +name: pyhygiene\n +namespace: $NS\n +port: 443\n +path: /validate"
expect default "webhook excludes kube-system and $NS" -Pzo "operator: NotIn\n +values:\n +- kube-system\n +- $NS\n"
expect cert-manager "cert-manager.io/inject-ca-from annotation" -F "cert-manager.io/inject-ca-from: $NS/pyhygiene-webhook"
expect_not cert-manager "no chart-generated Secret" -F "kind: Secret"
expect cert-manager-issuer "Certificate uses the given ClusterIssuer" -Pzo "issuerRef:\n +name: corp-ca\n +kind: ClusterIssuer"
expect url "webhook clientConfig.url" -F 'url: "https://127.0.0.1:8443/validate"'
expect_not url "no TLS Secret, no https-webhook port" -E "kind: Secret|https-webhook"
expect url "in-cluster replicas do not serve the webhook" -Pzo 'PYHYGIENE_WEBHOOK_ENABLED\n +value: "false"'
expect everything "PrometheusRule job follows the release (ph-pyhygiene)" -F 'absent(up{job="ph-pyhygiene"} == 1)'
expect everything "alertOverrides: for 30m on PyhygieneFailingWorkloads" -Pzo 'expr: max by \(namespace\) \(pyhygiene_workloads\{verdict="fail"\}\) > 0\n +for: 30m'
expect_not everything "alertOverrides: PyhygieneWebhookLatencyHigh disabled" -F "alert: PyhygieneWebhookLatencyHigh"
expect everything "PolicyReport and ClusterPolicyReport CRDs" -Pzo 'name: policyreports.wgpolicyk8s.io[\s\S]*name: clusterpolicyreports.wgpolicyk8s.io'
expect everything "image pinned by digest" -F 'image: "ghcr.io/pyhygiene/pyhygiene@sha256:'
expect_not minimal "no webhook configuration, no PodDisruptionBudget for 1 replica" -E "kind: (ValidatingWebhookConfiguration|PodDisruptionBudget)"

# The self-signed CA must survive `helm upgrade`: with the Secret present, a render that can
# look it up (--dry-run=server) reuses its certificates instead of generating new ones.
doc_of_kind Secret "$WORK/default.server.yaml" >"$WORK/secret.yaml"
if t "$KUBECTL" apply -n "$NS" -f "$WORK/secret.yaml" "${KREQ[@]}" >/dev/null 2>"$WORK/secret.err" \
   && t "$HELM" template pyhygiene "$CHART" -n "$NS" --dry-run=server --kube-version "$SERVER_VERSION" \
        --show-only templates/webhook.yaml >"$WORK/upgrade.yaml" 2>"$WORK/upgrade.err"; then
  want_ca="$(sed -n 's/^ *ca.crt: //p' "$WORK/secret.yaml")"
  want_crt="$(sed -n 's/^ *tls.crt: //p' "$WORK/secret.yaml")"
  if [[ -n "$want_ca" && "$(sed -n 's/^ *caBundle: //p' "$WORK/upgrade.yaml")" == "$want_ca" \
        && "$(sed -n 's/^ *tls.crt: //p' "$WORK/upgrade.yaml")" == "$want_crt" ]]; then
    pass "upgrade reuses the existing webhook Secret (caBundle == its ca.crt, same serving cert)"
  else
    fail "upgrade did not reuse the webhook Secret's CA and certificate"
  fi
  if [[ "$(sed -n 's/^ *ca.crt: //p' "$WORK/secret.yaml" | base64 -d | openssl x509 -noout -subject 2>/dev/null)" == *webhook-ca* ]] \
     && sed -n 's/^ *tls.crt: //p' "$WORK/secret.yaml" | base64 -d \
        | openssl verify -CAfile <(sed -n 's/^ *ca.crt: //p' "$WORK/secret.yaml" | base64 -d) >/dev/null 2>&1 \
     && sed -n 's/^ *tls.crt: //p' "$WORK/secret.yaml" | base64 -d | openssl x509 -noout -ext subjectAltName 2>/dev/null \
        | grep -qF "DNS:pyhygiene.$NS.svc"; then
    pass "serving certificate is signed by the bundled CA and names pyhygiene.$NS.svc"
  else
    fail "serving certificate does not chain to the CA or lacks the Service DNS name"
  fi
else
  fail "lookup check"; cat "$WORK/secret.err" "$WORK/upgrade.err" 2>/dev/null | indent
fi

# --- 3. promtool ----------------------------------------------------------------------------
section "3. promtool check rules / test rules"
if out="$(t "$PROMTOOL" check rules "$CHART/files/alerts.yaml" 2>&1)"; then
  pass "check rules $CHART/files/alerts.yaml ($(grep -oE '[0-9]+ rules found' <<<"$out"))"
else
  fail "check rules $CHART/files/alerts.yaml"; indent <<<"$out"
fi
if out="$(t "$PROMTOOL" test rules "$CHART/tests/alerts_test.yaml" 2>&1)"; then
  pass "test rules $CHART/tests/alerts_test.yaml ($(grep -c '^  - name:' "$CHART/tests/alerts_test.yaml") tests)"
else
  fail "test rules $CHART/tests/alerts_test.yaml"; indent <<<"$out"
fi
# Every alert has a unit test.
while read -r a; do
  grep -q "alertname: $a\$" "$CHART/tests/alerts_test.yaml" || fail "alert $a has no unit test"
done < <(sed -n 's/^ *- alert: //p' "$CHART/files/alerts.yaml")
# The rules as the rendered PrometheusRule carries them (default release and values) pass
# the same unit tests: embedding them in the template changed nothing.
mkdir -p "$WORK/rendered-rules/files" "$WORK/rendered-rules/tests"
doc_of_kind PrometheusRule "$WORK/default.offline.yaml" | awk '/^spec:$/{s=1; next} s' \
  | sed 's/^  //' >"$WORK/rendered-rules/files/alerts.yaml"
cp "$CHART/tests/alerts_test.yaml" "$WORK/rendered-rules/tests/"
if grep -q '^groups:' "$WORK/rendered-rules/files/alerts.yaml" \
   && t "$PROMTOOL" check rules "$WORK/rendered-rules/files/alerts.yaml" >/dev/null 2>&1 \
   && out="$(t "$PROMTOOL" test rules "$WORK/rendered-rules/tests/alerts_test.yaml" 2>&1)"; then
  pass "rendered PrometheusRule: check rules + the same unit tests pass"
else
  fail "rendered PrometheusRule rules"; indent <<<"${out:-}"
fi
if [[ -f "$WORK/everything.offline.yaml" ]]; then
  doc_of_kind PrometheusRule "$WORK/everything.offline.yaml" | awk '/^spec:$/{s=1; next} s' \
    | sed 's/^  //' >"$WORK/everything-rules.yaml"
  if t "$PROMTOOL" check rules "$WORK/everything-rules.yaml" >/dev/null 2>&1; then
    pass "rendered PrometheusRule with overrides (everything): check rules"
  else
    fail "rendered PrometheusRule with overrides (everything): check rules"
  fi
fi

# --- 4. CRDs are a copy ---------------------------------------------------------------------
section "4. $CHART/crds/ == crds/*.yml"
crd_ok=1
for f in crds/*.yml; do
  if ! cmp -s "$f" "$CHART/crds/$(basename "$f")"; then
    fail "$CHART/crds/$(basename "$f") differs from $f (copy it, never edit it)"; crd_ok=0
  fi
done
for f in "$CHART"/crds/*; do
  [[ -f "crds/$(basename "$f")" ]] || { fail "$f has no source in crds/"; crd_ok=0; }
done
(( crd_ok )) && pass "$(find crds -maxdepth 1 -name '*.yml' | wc -l) CRD file(s) identical"

# --- 5. the operator passes its own rules ---------------------------------------------------
section "5. pyhygiene audit of the chart's operator Deployment"
if [[ ! -f "$JAR" ]]; then
  note "building $JAR"
  timeout 900 mvn -B -q -o package -DskipTests -Dfabric8.crd-generator.skip >"$WORK/mvn.log" 2>&1 \
    || { tail -30 "$WORK/mvn.log"; fail "building $JAR"; }
fi
if [[ -f "$JAR" ]]; then
  # A snapshot, so a concurrent `mvn package` cannot swap the jar between the audits.
  cp "$JAR" "$WORK/pyhygiene.jar"
  for v in default url everything minimal; do
    # Tag it python so every rule applies (the operator is a JVM; the policy switches off
    # only the rules about the Python runtime and a Python server's command line).
    render "$v" --show-only templates/deployment.yaml \
      | sed '0,/^  labels:$/s//  labels:\n    pyhygiene.io\/runtime: python/' >"$WORK/$v.deploy.yaml"
    rc=0
    t java -jar "$WORK/pyhygiene.jar" audit -f "$WORK/$v.deploy.yaml" --policy "$CHART/tests/self-audit-policy.yaml" \
      -o json --fail-on warning --now 2026-11-25 >"$WORK/$v.audit.json" 2>"$WORK/$v.audit.err" || rc=$?
    if verdict="$(python3 - "$WORK/$v.audit.json" <<'EOF'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    w = r["workloads"]
except (ValueError, KeyError, TypeError):
    print("no JSON report")
    sys.exit(1)
ok = (r["summary"]["workloads"] == 1 and r["summary"]["python"] == 1 and len(w) == 1
      and w[0]["python"] and w[0]["verdict"] == "pass" and not w[0]["findings"] and not r["errors"])
print("verdict %s, %d finding(s): %s" % (w[0]["verdict"] if w else "none",
      len(w[0]["findings"]) if w else 0,
      ", ".join(f["rule"] for f in (w[0]["findings"] if w else [])) or "-"))
sys.exit(0 if ok else 1)
EOF
    )" && (( rc == 0 )); then
      pass "operator Deployment ($v): $verdict"
    else
      fail "operator Deployment ($v): exit $rc, ${verdict:-unreadable output}"
      indent <"$WORK/$v.audit.err"
    fi
  done
fi

# --- 6. RBAC --------------------------------------------------------------------------------
section "6. RBAC: no secrets, no wildcards"
for v in "${VARIANTS[@]}"; do
  [[ -f "$WORK/$v.yaml" ]] || continue
  awk '/^---$/{if (r) printf "---\n%s", d; d=""; r=0; next} /^kind: (ClusterRole|Role)$/{r=1} {d=d $0 "\n"} END{if (r) printf "---\n%s", d}' \
    "$WORK/$v.yaml" >"$WORK/$v.all-roles.yaml"
  # The opt-in pull-secrets ClusterRole (imageResolution.pullSecrets) is the one place Secrets
  # may appear: checked on its own, and exactly `get` on secrets and serviceaccounts.
  awk -v want="${RELEASE[$v]}-pull-secrets" '/^---$/{if (!p) printf "%s", d; d=""; p=0; next}
    $0 == "  name: " want {p=1} {d=d $0 "\n"} END{if (!p) printf "%s", d}' \
    "$WORK/$v.all-roles.yaml" >"$WORK/$v.roles.yaml"
  if [[ "$v" == pull-secrets ]]; then
    if grep -qx '  name: pyhygiene-pull-secrets' "$WORK/$v.all-roles.yaml" \
      && grep -qF 'resources: ["secrets", "serviceaccounts"]' "$WORK/$v.all-roles.yaml" \
      && [[ "$(grep -cF 'verbs: ["get"]' "$WORK/$v.all-roles.yaml")" == 1 ]]; then
      pass "$v: a separate ClusterRole pyhygiene-pull-secrets with get on secrets and serviceaccounts"
    else
      fail "$v: no separate pull-secrets ClusterRole with exactly get on secrets and serviceaccounts"
    fi
  elif grep -q -- '-pull-secrets$' "$WORK/$v.all-roles.yaml"; then
    fail "$v: a pull-secrets role is rendered without imageResolution.pullSecrets"
  fi
  if [[ ! -s "$WORK/$v.roles.yaml" ]]; then
    fail "$v: no ClusterRole rendered"
  elif grep -nE 'secrets|\*' "$WORK/$v.roles.yaml" | grep -v '^[0-9]*: *#' >"$WORK/$v.rbac.bad"; then
    fail "$v: a (Cluster)Role mentions secrets or *"; indent <"$WORK/$v.rbac.bad"
  else
    pass "$v: $(grep -c '^kind:' "$WORK/$v.roles.yaml") role(s), $(grep -c -- '- apiGroups' "$WORK/$v.roles.yaml") rules, no secrets, no *"
  fi
done

# --- 7. dashboard ---------------------------------------------------------------------------
section "7. Grafana dashboard"
if python3 - "$CHART/files/dashboard.json" "$WORK/dashboard-rules.yaml" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schemaVersion"] >= 36, "schemaVersion"
assert any(v["name"] == "datasource" and v["type"] == "datasource" for v in d["templating"]["list"])
exprs = []
for p in d["panels"]:
    if p["type"] == "row":
        continue
    assert p["datasource"]["uid"] == "${datasource}", p["title"]
    for t in p["targets"]:
        assert t["datasource"]["uid"] == "${datasource}", p["title"]
        exprs.append((p["title"], t["expr"]))
with open(sys.argv[2], "w") as out:
    out.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, (title, e) in enumerate(exprs):
        e = (e.replace("$__rate_interval", "5m").replace("$__range", "1h")
              .replace("$namespace", ".*").replace("$job", ".*"))
        out.write("      - record: dashboard:query:%d\n        expr: %s\n" % (i, json.dumps(e)))
print("  %d panels, %d queries" % (sum(p["type"] != "row" for p in d["panels"]), len(exprs)))
EOF
then
  if t "$PROMTOOL" check rules "$WORK/dashboard-rules.yaml" >"$WORK/dash.out" 2>&1; then
    pass "dashboard JSON valid, datasource templated, every query parses"
  else
    fail "dashboard queries"; indent <"$WORK/dash.out"
  fi
else
  fail "dashboard JSON"
fi

# --- summary --------------------------------------------------------------------------------
echo
if ((${#failures[@]})); then
  echo "chart-test: ${#failures[@]} check(s) FAILED:"
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
echo "chart-test: all checks passed"
