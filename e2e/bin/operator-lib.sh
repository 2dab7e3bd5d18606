# shellcheck shell=bash
# Shared by e2e.sh and demo.sh: install pyhygiene into the local control plane of $WORK the way
# the Helm chart does (CRDs, the chart's own ServiceAccount, RBAC and webhook configuration,
# the webhook pointing at 127.0.0.1), and run the operator jar as a local process
# authenticated as the chart's ServiceAccount (a TokenRequest token), so RBAC is real.
#
# Source it after setting PYHYGIENE_E2E_WORK / PYHYGIENE_*_PORT (it sources cluster-env.sh).
# Before use, set OP_DIR (the operator's files: pid, log, TLS, kubeconfig, jar snapshot).
# Defines variables and functions only.

# shellcheck source=cluster-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster-env.sh"

KUBECTL="$(tool_path kubectl)"
HELM="$(tool_path helm)"
# shellcheck source=../../build.env
source "$REPO_ROOT/build.env"
JAR="$REPO_ROOT/$DIST_JAR"
CHART="${PYHYGIENE_CHART_DIR:-$REPO_ROOT/helm/pyhygiene}"  # override to test a modified copy
OP_NS=pyhygiene-system
RELEASE=pyhygiene
SA_NAME=pyhygiene            # the chart's fullname for release "pyhygiene"
FIELD_MANAGER="${FIELD_MANAGER:-pyhygiene-e2e}"
OP_DIR="${OP_DIR:-$WORK/operator}"

# kc ARGS...: kubectl as cluster admin, every call bounded (KC_TIMEOUT seconds, default 60).
kc() {
  timeout --kill-after=5 "${KC_TIMEOUT:-60}" "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" \
    --request-timeout=30s "$@"
}

# free_port: an unused TCP port on 127.0.0.1 (bound then released by the kernel's choice).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# alive PID: exists and is not a zombie.
alive() {
  local st
  st="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" && [[ -n "$st" && "$st" != Z ]]
}

# ---------------------------------------------------------------- webhook TLS
# gen_webhook_tls: CA + serving certificate for IP 127.0.0.1 in $OP_DIR/tls (kept while valid
# for another day, so a re-run keeps the same caBundle).
gen_webhook_tls() {
  local d="$OP_DIR/tls"
  mkdir -p "$d"; chmod 700 "$d"
  if [[ -s $d/ca.crt && -s $d/tls.crt && -s $d/tls.key ]] \
    && openssl x509 -checkend 86400 -noout -in "$d/tls.crt" >/dev/null 2>&1; then
    return 0
  fi
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.crt" -days 30 -sha256 \
    -subj "/CN=pyhygiene-webhook-ca" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
  openssl genrsa -out "$d/tls.key" 2048 2>/dev/null
  openssl req -new -key "$d/tls.key" -subj "/CN=127.0.0.1" -out "$d/tls.csr" 2>/dev/null
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$d/tls.ext"
  openssl x509 -req -in "$d/tls.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 30 \
    -sha256 -extfile "$d/tls.ext" -out "$d/tls.crt" 2>/dev/null
  rm -f "$d/tls.csr" "$d/tls.ext" "$d/ca.srl"
  chmod 600 "$d"/*.key
}

# ---------------------------------------------------------------- install
# install_crds: crds/*.yml and crds/optional/*.yaml (the PolicyReport CRD), server-side, and
# wait until they are Established.
install_crds() {
  local f files=()
  for f in "$REPO_ROOT"/crds/*.yml "$REPO_ROOT"/crds/optional/*.yaml; do files+=(-f "$f"); done
  kc apply --server-side --force-conflicts --field-manager="$FIELD_MANAGER" "${files[@]}" >/dev/null || return 1
  kc wait --for=condition=Established --timeout=60s "${files[@]}" >/dev/null
}

# render_chart_parts WEBHOOK_PORT: the chart's ServiceAccount, RBAC and webhook configuration,
# the webhook pointing at the operator on 127.0.0.1:WEBHOOK_PORT.
render_chart_parts() {
  timeout 60 "$HELM" template "$RELEASE" "$CHART" -n "$OP_NS" --kube-version "${K8S_VERSION#v}" \
    --set webhook.url="https://127.0.0.1:$1/validate" \
    --set webhook.caBundle="$(base64 -w0 "$OP_DIR/tls/ca.crt")" \
    --show-only templates/serviceaccount.yaml --show-only templates/rbac.yaml \
    --show-only templates/webhook.yaml
}

# install_chart_parts WEBHOOK_PORT: namespace pyhygiene-system + the rendered parts, applied.
install_chart_parts() {
  kc create namespace "$OP_NS" --dry-run=client -o yaml | kc apply --server-side \
    --field-manager="$FIELD_MANAGER" -f - >/dev/null || return 1
  render_chart_parts "$1" >"$OP_DIR/chart-parts.yaml" || return 1
  kc apply --server-side --force-conflicts --field-manager="$FIELD_MANAGER" \
    -f "$OP_DIR/chart-parts.yaml" >/dev/null
}

# sa_kubeconfig: $OP_DIR/kubeconfig, authenticated as the chart's ServiceAccount (a 2 h token
# from the TokenRequest API), with the cluster's server URL and CA.
sa_kubeconfig() {
  local token
  token="$(kc create token "$SA_NAME" -n "$OP_NS" --duration=2h)" || return 1
  [[ -n "$token" ]] || return 1
  umask 077
  cat >"$OP_DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: $SA_NAME
  user:
    token: $token
contexts:
- name: $SA_NAME
  context: {cluster: local, user: $SA_NAME, namespace: $OP_NS}
current-context: $SA_NAME
EOF
  umask 022
}

# ---------------------------------------------------------------- the operator process
OP_LOG() { echo "$OP_DIR/operator.log"; }
OP_PIDFILE() { echo "$OP_DIR/operator.pid"; }

# operator_owned PID: alive, a java running our jar snapshot for this $OP_DIR (the marker
# property), so a reused pid or another operator is never touched.
operator_owned() {
  local pid="$1"
  [[ -n "$pid" ]] && alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-Dpyhygiene.instance=$OP_DIR " || return 1
}
# operator_pid: the recorded pid if it is still our operator.
operator_pid() {
  local pid
  pid="$(tr -dc '0-9' 2>/dev/null <"$(OP_PIDFILE)")" || return 1
  operator_owned "$pid" && echo "$pid"
}

# start_operator HTTP_PORT WEBHOOK_PORT [VAR=value...]: runs a snapshot of the jar (so a
# rebuild does not pull classes from under the running JVM) in its own session, detached,
# logging JSON lines to $OP_DIR/operator.log. Sets OP_PID.
start_operator() {
  local http="$1" webhook="$2"; shift 2
  [[ -s "$JAR" ]] || { echo "ERROR: $JAR missing (mvn -B -q package -DskipTests)" >&2; return 1; }
  local p; for p in "$http" "$webhook"; do
    if port_in_use "$p"; then echo "ERROR: port $p on 127.0.0.1 is already in use" >&2; return 1; fi
  done
  cp -f "$JAR" "$OP_DIR/pyhygiene.jar.tmp" && mv -f "$OP_DIR/pyhygiene.jar.tmp" "$OP_DIR/pyhygiene.jar"
  printf '\n===== %s starting the operator (http :%s, webhook :%s)\n' "$(date -Is)" "$http" "$webhook" >>"$(OP_LOG)"
  OP_LOG_START=$(( $(wc -l <"$(OP_LOG)") ))
  env KUBECONFIG="$OP_DIR/kubeconfig" \
    PYHYGIENE_HTTP_PORT="$http" PYHYGIENE_WEBHOOK_PORT="$webhook" \
    PYHYGIENE_WEBHOOK_CERT_FILE="$OP_DIR/tls/tls.crt" PYHYGIENE_WEBHOOK_KEY_FILE="$OP_DIR/tls/tls.key" \
    PYHYGIENE_OPERATOR_NAMESPACE="$OP_NS" PYHYGIENE_LEADER_ELECTION=true \
    "$@" \
    setsid java -Xmx384m -XX:+ExitOnOutOfMemoryError "-Dpyhygiene.instance=$OP_DIR" \
      -jar "$OP_DIR/pyhygiene.jar" run </dev/null >>"$(OP_LOG)" 2>&1 8>&- 9>&- &
  OP_PID=$!
  echo "$OP_PID" >"$(OP_PIDFILE)"
}

# op_log_since_start: the operator log lines written since the last start_operator.
op_log_since_start() { tail -n +"$(( ${OP_LOG_START:-0} + 1 ))" "$(OP_LOG)"; }

# wait_operator_ready HTTP_PORT SECONDS: polls /readyz; fails early if the process exits.
wait_operator_ready() {
  local http="$1" deadline=$(( $(date +%s) + $2 ))
  until curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$http/readyz" 2>/dev/null; do
    if ! alive "$OP_PID"; then echo "ERROR: the operator exited during start-up" >&2; return 1; fi
    if (( $(date +%s) >= deadline )); then echo "ERROR: the operator is not ready after $2 s" >&2; return 1; fi
    sleep 0.5
  done
}

# log_problems: ERROR-level lines, RBAC denials (403 / forbidden) and a Lease lost while running
# (its renewals failing: fabric8 logs their cause only at DEBUG) in the operator's log since
# the last start, looked for in the message and exception only (never in the MDC, where a uid
# may contain "403"). Prints them readably; true if there are any.
log_problems() {
  op_log_since_start | readable_log \
    | grep -E '^[0-9:.]+ ERROR |[Ff]orbidden|code=403|Exception occurred while acquiring lock|lost leadership|Stopped leading.*Exiting' \
    | head -n 20 | cut -c1-300 | grep .
}

# readable_log: the operator's JSON lines as "time level logger: message (exception)".
readable_log() {
  python3 -c '
import datetime, json, sys
for line in sys.stdin:
    try:
        e = json.loads(line)
        t = datetime.datetime.fromtimestamp(e["timestamp"] / 1000, datetime.timezone.utc).strftime("%H:%M:%S.%f")[:-3]
        th = e.get("throwable") or {}
        print(t, e.get("level"), e.get("loggerName", "").split(".")[-1] + ":", e.get("formattedMessage"),
              ("(" + th.get("className", "").split(".")[-1] + ": " + str(th.get("message"))[:300] + ")") if th else "")
    except (ValueError, KeyError, TypeError, AttributeError):
        print(line, end="")
'
}

# stop_operator GRACE: SIGTERM the recorded operator, wait up to GRACE seconds, then SIGKILL.
# Returns 0 if it stopped within GRACE, 1 if it had to be killed, 0 if none was running.
# Sets OP_STOP_SECONDS.
stop_operator() {
  local grace="$1" pid t0 rc=0
  OP_STOP_SECONDS=0
  pid="$(operator_pid)" || { rm -f "$(OP_PIDFILE)"; return 0; }
  t0=$(now_ms)
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(( $(date +%s) + grace ))
  while alive "$pid" && (( $(date +%s) < deadline )); do sleep 0.2; done
  # shellcheck disable=SC2034 # read by the callers
  OP_STOP_SECONDS="$(fmt_ms "$t0")"
  if alive "$pid"; then
    # A thread dump (SIGQUIT, to the log) shows where the shutdown hangs.
    kill -QUIT "$pid" 2>/dev/null || true; sleep 1
    echo "  operator (pid $pid) still running after ${grace}s: SIGKILL (thread dump in $(OP_LOG))" >&2
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    rc=1
  fi
  wait "$pid" 2>/dev/null || true   # reap it when it is our child
  rm -f "$(OP_PIDFILE)"
  return "$rc"
}

# chart_grace_seconds: terminationGracePeriodSeconds from the chart's values.yaml.
chart_grace_seconds() {
  awk '/^terminationGracePeriodSeconds:/ {print $2}' "$CHART/values.yaml"
}
