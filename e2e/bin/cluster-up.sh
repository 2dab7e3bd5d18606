#!/usr/bin/env bash
# Starts a real local cluster: etcd, kube-apiserver and kube-controller-manager
# (upstream binaries from the tools cache), with a generated CA, serving and client
# certificates, service-account keys, Node + RBAC authorization, admission webhooks and API
# audit logging; and its node (PYHYGIENE_NODE=0 leaves it out): kube-scheduler, the local OCI
# registry, containerd + runc + CNI, the kubelet and kube-proxy (node-lib.sh). Writes an admin
# kubeconfig to $WORK/kubeconfig and waits for /readyz, the node Ready and a pod Running.
#
# Idempotent: with a healthy cluster already running it does nothing and says so; a partly
# running or crashed cluster (stale pid files, dead components) is stopped and restarted
# on the kept data. See e2e/README.md and cluster-env.sh for ports and env vars.
set -euo pipefail
# shellcheck source=cluster-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster-env.sh"
# shellcheck source=node-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/node-lib.sh"
T0=$(now_ms)
lock_cluster

all_running() { local c; for c in "${COMPONENTS[@]}"; do running "$c" || return 1; done; }
node_healthy() { [[ $NODE_ENABLED != 1 ]] || { kubelet_ready && node_ready && containerd_ready && registry_ready && scheduler_ready && proxy_ready; }; }

usage_hint() {
  cat <<EOF
cluster ready: https://127.0.0.1:$APISERVER_PORT (kubernetes $K8S_VERSION, etcd $ETCD_VERSION)$(
  [[ $NODE_ENABLED == 1 ]] && printf '\n  node %s (%s, containerd %s), registry localhost:%s' "$NODE_NAME" "$POD_GW" "$CONTAINERD_VERSION" "$REGISTRY_PORT")
  export KUBECONFIG=$KUBECONFIG_FILE
  kubectl get --raw /readyz
  logs: $LOGS/   audit log: $AUDIT_LOG   stop: make cluster-down (WIPE=1 to delete data)
EOF
}

if all_running && apiserver_ready && kcm_ready && node_healthy; then
  log "cluster already running and healthy (pids:$(for c in "${COMPONENTS[@]}"; do printf ' %s=%s' "$c" "$(pid_of "$c")"; done)); nothing to do"
  usage_hint
  exit 0
fi

# Anything of ours still running is a partial or unhealthy cluster: stop it first.
for c in "${COMPONENTS[@]}"; do
  if running "$c" || [[ -f "$PIDS/$c.pid" ]]; then
    log "found a stale or unhealthy cluster in $WORK: stopping it before starting again"
    bash "$E2E_DIR/bin/cluster-down.sh"
    break
  fi
done

# Binaries (builds them on a fresh machine; a no-op when cached).
tools=(openssl kube etcd)
[[ $NODE_ENABLED == 1 ]] && tools+=(node)
bash "$E2E_DIR/bin/tools.sh" "${tools[@]}" | sed "s/^/[tools] /" || die "tools.sh failed (run: bash e2e/bin/tools.sh)"

ports=("$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$KCM_PORT")
[[ $NODE_ENABLED == 1 ]] && ports+=("$REGISTRY_PORT" "$SCHEDULER_PORT" "$KUBELET_HEALTHZ_PORT" "$PROXY_HEALTHZ_PORT" "$PROXY_METRICS_PORT")
for p in "${ports[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    die "port $p on 127.0.0.1 is already in use by another process (set PYHYGIENE_*_PORT, see e2e/README.md)"
  fi
done

mkdir -p "$PKI" "$LOGS" "$PIDS" "$ETCD_DATA"
chmod 700 "$PKI" "$ETCD_DATA"

# ---------------------------------------------------------------- certificates and keys
# Generated once per work dir and kept (so kubeconfigs stay valid across restarts);
# WIPE=1 cluster-down deletes them.
gen_cert() { # NAME SUBJECT EXTENSIONS
  local name="$1" subj="$2" ext="$3"
  [[ -s "$PKI/$name.crt" && -s "$PKI/$name.key" ]] && return 0
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  printf '%s\n' "$ext" >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}
if [[ ! -s "$PKI/ca.crt" || ! -s "$PKI/ca.key" ]]; then
  rm -f "$PKI"/*
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.crt" -days 3650 -sha256 \
    -subj "/CN=pyhygiene-e2e-ca" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
fi
gen_cert apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
client_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
gen_cert admin "/O=system:masters/CN=pyhygiene-admin" "$client_ext"
gen_cert kube-controller-manager "/CN=system:kube-controller-manager" "$client_ext"
# The aggregation layer's front proxy (kube-apiserver -> extension API servers).
gen_cert front-proxy-client "/CN=front-proxy-client" "$client_ext"
[[ $NODE_ENABLED == 1 ]] && mkdir -p "$NODE_DIR"
[[ $NODE_ENABLED == 1 ]] && { gen_cert "apiserver-kubelet-client" "/CN=kube-apiserver-kubelet-client" "$client_ext"; }
if [[ ! -s "$PKI/sa.key" || ! -s "$PKI/sa.pub" ]]; then
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
fi

write_kubeconfig() { # FILE USER CERT KEY
  local b64="base64 -w0"
  cat >"$1.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: pyhygiene-e2e
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $($b64 <"$PKI/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $($b64 <"$3")
    client-key-data: $($b64 <"$4")
contexts:
- name: pyhygiene-e2e
  context:
    cluster: pyhygiene-e2e
    user: $2
    namespace: default
current-context: pyhygiene-e2e
EOF
  chmod 600 "$1.tmp"; mv -f "$1.tmp" "$1"
}
write_kubeconfig "$KUBECONFIG_FILE" pyhygiene-admin "$PKI/admin.crt" "$PKI/admin.key"
write_kubeconfig "$KCM_KUBECONFIG" system:kube-controller-manager \
  "$PKI/kube-controller-manager.crt" "$PKI/kube-controller-manager.key"
if [[ $NODE_ENABLED == 1 ]]; then
  # Before anything listens beyond loopback: the machine-wide claim, the bridge and the
  # packet filter that keeps the API server's port to loopback and the bridge.
  claim_node
  node_configs
  node_certs
  node_network_up
  node_cgroups
fi

# ---------------------------------------------------------------- audit policy
# Deployment writes (and the project's own resources) at Metadata level: the audit event then
# carries the admission webhooks' auditAnnotations. Everything else is not logged.
cat >"$AUDIT_POLICY" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
    verbs: ["create", "update", "patch", "delete", "deletecollection"]
    resources:
      - group: apps
        resources: ["deployments", "deployments/scale", "deployments/status"]
      - group: pyhygiene.io
      - group: wgpolicyk8s.io
      - group: apiextensions.k8s.io
        resources: ["customresourcedefinitions"]
      - group: admissionregistration.k8s.io
      - group: rbac.authorization.k8s.io
  - level: None
EOF

# ---------------------------------------------------------------- start
# start NAME ARGS...: runs the cached binary detached (own session, no inherited stdio, so
# neither make, Maven nor a terminal's Ctrl-C holds or kills it) and records its pid.
# START_PATH, when set, is put first on its PATH.
start() {
  local comp="$1" bin; shift
  bin="$(tool_path "$comp")"
  : >>"$LOGS/$comp.log"
  printf '\n===== %s starting %s %s\n' "$(date -Is)" "$comp" "$(tool_version "$comp")" >>"$LOGS/$comp.log"
  PATH="${START_PATH:+$START_PATH:}$PATH" setsid "$bin" "$@" </dev/null >>"$LOGS/$comp.log" 2>&1 8>&- &
  local pid=$!
  echo "$pid" >"$PIDS/$comp.pid"
  log "started $comp (pid $pid, log $LOGS/$comp.log)"
}

# wait_for COMPONENT CHECK [WHAT]: polls CHECK until it succeeds, the component dies or time is up.
wait_for() {
  local comp="$1" check="$2" what="${3:-$1 ready}" deadline=$(( $(date +%s) + UP_TIMEOUT )) t0; t0=$(now_ms)
  until "$check"; do
    # Just started, the pid may still be the shell that is about to exec the binary.
    if ! running "$comp" && [[ -d /proc/$(pid_of "$comp") ]] && (( $(now_ms) - t0 < 5000 )); then
      sleep 0.2; continue
    fi
    if ! running "$comp"; then
      echo "ERROR: $comp exited during start-up; last lines of $LOGS/$comp.log:" >&2
      tail -n 40 "$LOGS/$comp.log" >&2
      bash "$E2E_DIR/bin/cluster-down.sh" >/dev/null 2>&1 || true
      exit 1
    fi
    if (( $(date +%s) >= deadline )); then
      echo "ERROR: $what: not reached after ${UP_TIMEOUT}s (PYHYGIENE_UP_TIMEOUT); last lines of $LOGS/$comp.log:" >&2
      tail -n 40 "$LOGS/$comp.log" >&2
      bash "$E2E_DIR/bin/cluster-down.sh" >/dev/null 2>&1 || true
      exit 1
    fi
    sleep 0.2
  done
  log "$what ($(fmt_ms "$t0"))"
}

start etcd \
  --name=pyhygiene-e2e \
  --data-dir="$ETCD_DATA" \
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="pyhygiene-e2e=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync=true \
  --quota-backend-bytes=$((2 * 1024 * 1024 * 1024)) \
  --log-level=warn
wait_for etcd etcd_ready

# With a node, pods reach the API server through the `kubernetes` Service: its endpoint is the
# node's bridge address (the lease reconciler writes it), so the API server listens on all
# addresses, and node_network_up's PYHYGIENE-INPUT chain accepts that port from loopback and
# the bridge only. The kubelet is reached on its InternalIP with a client certificate, its
# serving certificate verified against the cluster CA.
if [[ $NODE_ENABLED == 1 ]]; then
  apiserver_node_flags=(--bind-address=0.0.0.0 --advertise-address="$POD_GW" --endpoint-reconciler-type=lease
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt"
    --kubelet-client-key="$PKI/apiserver-kubelet-client.key"
    --kubelet-certificate-authority="$PKI/ca.crt"
    --kubelet-preferred-address-types=InternalIP)
else
  apiserver_node_flags=(--bind-address=127.0.0.1 --advertise-address=127.0.0.1 --endpoint-reconciler-type=none)
fi
# PYHYGIENE_APISERVER_EXTRA_ARGS: more flags, word-split (experiments, e.g. --enable-aggregator-routing=true).
read -r -a apiserver_extra <<<"${PYHYGIENE_APISERVER_EXTRA_ARGS:-}"
start kube-apiserver \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  "${apiserver_node_flags[@]}" "${apiserver_extra[@]}" \
  --secure-port="$APISERVER_PORT" \
  --tls-cert-file="$PKI/apiserver.crt" \
  --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --requestheader-client-ca-file="$PKI/ca.crt" \
  --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User \
  --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$PKI/front-proxy-client.crt" \
  --proxy-client-key-file="$PKI/front-proxy-client.key" \
  --authorization-mode=Node,RBAC \
  --enable-admission-plugins=NodeRestriction,PodTolerationRestriction \
  --service-account-issuer="https://kubernetes.default.svc" \
  --service-account-key-file="$PKI/sa.pub" \
  --service-account-signing-key-file="$PKI/sa.key" \
  --api-audiences="https://kubernetes.default.svc" \
  --service-cluster-ip-range=10.0.0.0/24 \
  --allow-privileged=true \
  --audit-policy-file="$AUDIT_POLICY" \
  --audit-log-path="$AUDIT_LOG" \
  --audit-log-maxsize=100 \
  --audit-log-maxbackup=2 \
  --profiling=false \
  --cert-dir="$WORK/apiserver-certs" \
  --v=1
wait_for kube-apiserver apiserver_ready

start kube-controller-manager \
  --kubeconfig="$KCM_KUBECONFIG" \
  --authentication-kubeconfig="$KCM_KUBECONFIG" \
  --authorization-kubeconfig="$KCM_KUBECONFIG" \
  --bind-address=127.0.0.1 \
  --secure-port="$KCM_PORT" \
  --cert-dir="$WORK/kcm-certs" \
  --leader-elect=false \
  --use-service-account-credentials=true \
  --service-account-private-key-file="$PKI/sa.key" \
  --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" \
  --cluster-signing-key-file="$PKI/ca.key" \
  --service-cluster-ip-range=10.0.0.0/24 \
  --controllers='*' \
  --profiling=false \
  --v=1
wait_for kube-controller-manager kcm_ready

# The controllers really run: the service-account controller creates `default` in `default`.
sa_ready() { curl_api /api/v1/namespaces/default/serviceaccounts/default 2>/dev/null | grep -q '"kind": *"ServiceAccount"'; }
wait_for kube-controller-manager sa_ready "controllers running: ServiceAccount default/default created"

[[ $NODE_ENABLED == 1 ]] && node_start

log "cluster up in $(fmt_ms "$T0")"
usage_hint
