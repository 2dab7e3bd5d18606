# shellcheck shell=bash
# Common settings for e2e/bin/*.sh. Source it; it defines variables and functions only.
#
# Everything can be overridden from the environment:
#   PYHYGIENE_CACHE          binary cache (default ~/.cache/pyhygiene), outside the clone
#   KUBE_API_TEST_DIR        fabric8 kube-api-test layout (default $PYHYGIENE_CACHE/kubeapitest)
#   PYHYGIENE_E2E_WORK       work dir of the cluster (default e2e/.work)
#   PYHYGIENE_ETCD_PORT      etcd client port         (default 23790)
#   PYHYGIENE_ETCD_PEER_PORT etcd peer port           (default 23800)
#   PYHYGIENE_APISERVER_PORT kube-apiserver https     (default 16443)
#   PYHYGIENE_KCM_PORT       kube-controller-manager https (default 16444)
#   PYHYGIENE_UP_TIMEOUT     seconds cluster-up waits for readiness (default 120)
# The node (PYHYGIENE_NODE=0: control plane only, no registry, containerd, kubelet, ...):
#   PYHYGIENE_REGISTRY_PORT  the local OCI registry on 127.0.0.1 (default 5000)
#   PYHYGIENE_SCHEDULER_PORT kube-scheduler https (healthz) (default 16445)
#   PYHYGIENE_KUBELET_PORT   kubelet https, on the node IP (default 16450)
#   PYHYGIENE_KUBELET_HEALTHZ_PORT  kubelet healthz on 127.0.0.1 (default 16451)
#   PYHYGIENE_PROXY_HEALTHZ_PORT / PYHYGIENE_PROXY_METRICS_PORT  kube-proxy (16452 / 16453)
#   PYHYGIENE_NODE_NAME      (default pyhygiene-node)
#   PYHYGIENE_POD_CIDR       pod subnet on the bridge (default 10.244.0.0/24; .1 is the node)
#   PYHYGIENE_BRIDGE         bridge name (default pyh0)

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$E2E_DIR/.." && pwd)"
# shellcheck source=../versions.env
source "$E2E_DIR/versions.env"

PYHYGIENE_CACHE="${PYHYGIENE_CACHE:-${HOME:-/root}/.cache/pyhygiene}"
CACHE_BIN="$PYHYGIENE_CACHE/bin"
KUBE_API_TEST_DIR="${KUBE_API_TEST_DIR:-$PYHYGIENE_CACHE/kubeapitest}"

WORK="${PYHYGIENE_E2E_WORK:-$E2E_DIR/.work}"
ETCD_PORT="${PYHYGIENE_ETCD_PORT:-23790}"
ETCD_PEER_PORT="${PYHYGIENE_ETCD_PEER_PORT:-23800}"
APISERVER_PORT="${PYHYGIENE_APISERVER_PORT:-16443}"
KCM_PORT="${PYHYGIENE_KCM_PORT:-16444}"
UP_TIMEOUT="${PYHYGIENE_UP_TIMEOUT:-120}"

NODE_ENABLED="${PYHYGIENE_NODE:-1}"
REGISTRY_PORT="${PYHYGIENE_REGISTRY_PORT:-5000}"
SCHEDULER_PORT="${PYHYGIENE_SCHEDULER_PORT:-16445}"
KUBELET_PORT="${PYHYGIENE_KUBELET_PORT:-16450}"
KUBELET_HEALTHZ_PORT="${PYHYGIENE_KUBELET_HEALTHZ_PORT:-16451}"
PROXY_HEALTHZ_PORT="${PYHYGIENE_PROXY_HEALTHZ_PORT:-16452}"
PROXY_METRICS_PORT="${PYHYGIENE_PROXY_METRICS_PORT:-16453}"
NODE_NAME="${PYHYGIENE_NODE_NAME:-pyhygiene-node}"
POD_CIDR="${PYHYGIENE_POD_CIDR:-10.244.0.0/24}"
POD_GW="${POD_CIDR%.*/*}.1"
BRIDGE="${PYHYGIENE_BRIDGE:-pyh0}"
SERVICE_CIDR=10.0.0.0/24
# The node's taint (NoSchedule) and the toleration of what is meant to run on it.
NODE_TAINT_KEY=pyhygiene.io/e2e-node
NODE_TOLERATION='{"key":"pyhygiene.io/e2e-node","operator":"Exists","effect":"NoSchedule"}'
# The sandbox image: upstream's pause.c, built by e2e/bin/images.sh, in our registry.
PAUSE_TAG=3.10.2
PAUSE_IMAGE="localhost:$REGISTRY_PORT/pause:$PAUSE_TAG"

PKI="$WORK/pki"
LOGS="$WORK/logs"
PIDS="$WORK/pids"
ETCD_DATA="$WORK/etcd-data"
KUBECONFIG_FILE="$WORK/kubeconfig"
KCM_KUBECONFIG="$WORK/kube-controller-manager.kubeconfig"
AUDIT_LOG="$WORK/audit.log"
AUDIT_POLICY="$WORK/audit-policy.yaml"

# The components, in start order (stopped in reverse).
CONTROL_PLANE=(etcd kube-apiserver kube-controller-manager)
NODE_COMPONENTS=(kube-scheduler registry containerd kubelet kube-proxy)
# Started by `make install` (e2e/bin/install.sh), stopped by cluster-down.
ADDONS=(prometheus)
if [[ $NODE_ENABLED == 1 ]]; then
  COMPONENTS=("${CONTROL_PLANE[@]}" "${NODE_COMPONENTS[@]}")
else
  COMPONENTS=("${CONTROL_PLANE[@]}")
fi

# The node's tools that must keep their own names (containerd finds its shim and runc on its
# PATH, the CRI plugin its CNI plugins in a folder) live in one folder per tool and version:
#   node/containerd-<v>/{containerd,containerd-shim-runc-v2,ctr}, node/runc-<v>/runc,
#   node/cni-plugins-<v>/{bridge,host-local,loopback,portmap}
NODE_CACHE="$PYHYGIENE_CACHE/node"
CONTAINERD_DIR="$NODE_CACHE/containerd-$CONTAINERD_VERSION"
RUNC_DIR="$NODE_CACHE/runc-$RUNC_VERSION"
CNI_BIN_DIR="$NODE_CACHE/cni-plugins-$CNI_PLUGINS_VERSION"
CNI_PLUGINS=(bridge host-local loopback portmap)

# Version of a cached tool.
tool_version() {
  case "$1" in
    kube-apiserver|kube-controller-manager|kubectl|kube-scheduler|kubelet|kube-proxy) echo "$K8S_VERSION" ;;
    etcd) echo "$ETCD_VERSION" ;;
    helm) echo "$HELM_VERSION" ;;
    crane) echo "$GGCR_VERSION" ;;
    containerd|containerd-shim-runc-v2|ctr) echo "$CONTAINERD_VERSION" ;;
    runc) echo "$RUNC_VERSION" ;;
    registry) echo "debian-$(dpkg-query -W -f='${Version}' docker-registry 2>/dev/null)" ;;
    prometheus) echo "debian-$(dpkg-query -W -f='${Version}' prometheus 2>/dev/null)" ;;
    *) echo "unknown tool $1" >&2; return 1 ;;
  esac
}
# Path of a cached tool binary: bin/<tool>-<version>, or in its node/ folder (above).
tool_path() {
  case "$1" in
    containerd|containerd-shim-runc-v2|ctr) echo "$CONTAINERD_DIR/$1" ;;
    runc) echo "$RUNC_DIR/runc" ;;
    registry) echo /usr/bin/docker-registry ;;
    prometheus) echo /usr/bin/prometheus ;;
    *) echo "$CACHE_BIN/$1-$(tool_version "$1")" ;;
  esac
}

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# now_ms: milliseconds since the epoch (for timings).
now_ms() { date +%s%3N; }
# fmt_ms START: elapsed seconds since START with one decimal.
fmt_ms() { local d=$(( $(now_ms) - $1 )); printf '%d.%01ds' $((d / 1000)) $(((d % 1000) / 100)); }

# pid_of COMPONENT: the pid recorded in its pid file, or nothing.
pid_of() {
  local f="$PIDS/$1.pid"
  [[ -f "$f" ]] && tr -dc '0-9' <"$f"
}

# owned_pid COMPONENT PID: true if PID is alive, runs this component's cached binary and was
# started for this work dir (so a reused pid, or the same binary started for another work
# dir or by someone else, is never touched).
owned_pid() {
  local comp="$1" pid="$2" exe want
  [[ -n "$pid" && -d "/proc/$pid" ]] || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  exe="${exe% (deleted)}"
  want="$(readlink -f "$(tool_path "$comp")")"
  [[ "$exe" == "$want" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$WORK/" || return 1
}

# running COMPONENT: true if the component's recorded pid is alive and ours.
running() { local pid; pid="$(pid_of "$1")"; owned_pid "$1" "$pid"; }

# Admin access for curl (no kubectl needed).
curl_api() {
  curl -sS --max-time 5 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$APISERVER_PORT$1"
}
apiserver_ready() { [[ "$(curl_api /readyz 2>/dev/null)" == "ok" ]]; }
etcd_ready() { curl -sf --max-time 3 "http://127.0.0.1:$ETCD_PORT/health" 2>/dev/null | grep -q '"health":"true"'; }
kcm_ready() { [[ "$(curl -sk --max-time 3 "https://127.0.0.1:$KCM_PORT/healthz" 2>/dev/null)" == "ok" ]]; }

# lock_cluster: serialise cluster-up/cluster-down on one work dir across processes (a nested
# call from a script that holds the lock skips it). The lock fd (8) is closed for the daemons.
lock_cluster() {
  [[ "${PYHYGIENE_CLUSTER_LOCKED:-}" == "$WORK" ]] && return 0
  mkdir -p "$WORK"
  exec 8>"$WORK/.cluster.lock"
  flock 8
  export PYHYGIENE_CLUSTER_LOCKED="$WORK"
}
