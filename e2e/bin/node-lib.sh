# shellcheck shell=bash
# The cluster's one node: the local OCI registry, containerd (+ runc, CNI), kube-scheduler, the
# kubelet and kube-proxy. Sourced by cluster-up.sh and cluster-down.sh after cluster-env.sh;
# defines variables and functions only. See e2e/README.md ("The node").
#
# Machine-wide things a node creates (only one node may run on a machine; a marker file
# /run/pyhygiene-node.owner names the work dir that has it):
#   bridge $BRIDGE (gateway $POD_GW/24, the node's InternalIP), a route for the Service range
#   to it, packet-filter chains PYHYGIENE-* (ours), KUBE-* (kube-proxy, kubelet) and CNI-*
#   (portmap), the cgroup tree /sys/fs/cgroup/<controller>/pyhygiene (kubelet's cgroupRoot),
#   network namespaces under containerd's state dir, the shim socket dir /run/pyhygiene-<id>,
#   and sysctls the bridge plugin and kube-proxy change (recorded first, restored on down).
# node_cleanup removes every one of them.

NODE_DIR="$WORK/node"
CTRD_DIR="$NODE_DIR/containerd"
CTRD_SOCK="$CTRD_DIR/containerd.sock"
KUBELET_DIR="$NODE_DIR/kubelet"
CNI_CONF_DIR="$NODE_DIR/cni/net.d"
CNI_IPAM_DIR="$NODE_DIR/cni/ipam"
REGISTRY_DIR="$WORK/registry"
NODE_OWNER_FILE=/run/pyhygiene-node.owner
CGROUP_ROOT_NAME=pyhygiene
# Short (the shim socket path must fit in 108 bytes) and per work dir.
SHIM_SOCKET_DIR="/run/pyhygiene-$(printf '%s' "$WORK" | sha256sum | cut -c1-8)"
SYSCTL_SAVED="$NODE_DIR/sysctl.orig"
SYSCTLS=(net/ipv4/ip_forward net/bridge/bridge-nf-call-iptables net/bridge/bridge-nf-call-ip6tables
  net/ipv4/conf/all/route_localnet)

KUBECTL_BIN="$(tool_path kubectl)"
kc_node() {
  timeout --kill-after=5 "${KC_TIMEOUT:-30}" "$KUBECTL_BIN" --kubeconfig "$KUBECONFIG_FILE" \
    --request-timeout=20s "$@"
}

# ---------------------------------------------------------------- machine-wide ownership
node_owner() { [[ -s $NODE_OWNER_FILE ]] && cat "$NODE_OWNER_FILE"; }
# claim_node: fails when the node of another work dir is up (its owner file names a work dir
# whose kubelet or containerd still runs).
claim_node() {
  local other; other="$(node_owner || true)"
  if [[ -n "$other" && "$other" != "$WORK" ]]; then
    if pgrep -f -- "$other/node/" >/dev/null 2>&1; then
      die "the node of $other is running (one node per machine: kubelet cgroups, kube-proxy's packet filter); stop it first: PYHYGIENE_E2E_WORK=$other make cluster-down, or set PYHYGIENE_NODE=0"
    fi
    log "node: the previous owner $other has nothing running any more; taking over (cleaning its leftovers)"
    (PYHYGIENE_E2E_WORK="$other" bash "$E2E_DIR/bin/cluster-down.sh" --node-leftovers-only) || true
  fi
  echo "$WORK" >"$NODE_OWNER_FILE"
}

# ---------------------------------------------------------------- sysctls
save_sysctls() {
  [[ -s $SYSCTL_SAVED ]] && return 0
  local k
  for k in "${SYSCTLS[@]}"; do
    [[ -e /proc/sys/$k ]] && printf '%s=%s\n' "$k" "$(cat "/proc/sys/$k")"
  done >"$SYSCTL_SAVED.tmp"
  mv "$SYSCTL_SAVED.tmp" "$SYSCTL_SAVED"
}
restore_sysctls() {
  [[ -s $SYSCTL_SAVED ]] || return 0
  local line
  while IFS= read -r line; do
    [[ -e /proc/sys/${line%%=*} ]] && echo "${line#*=}" >"/proc/sys/${line%%=*}" 2>/dev/null
  done <"$SYSCTL_SAVED"
  rm -f "$SYSCTL_SAVED"
}

# ---------------------------------------------------------------- network
# node_network_up: the bridge with the gateway address (also the node's InternalIP, the address
# the API server advertises to pods), the Service range routed onto it (so Service traffic never
# takes the default route), the API server reachable from the bridge and nowhere else.
node_network_up() {
  save_sysctls
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge || die "ip link add $BRIDGE type bridge failed"
  fi
  ip addr show dev "$BRIDGE" | grep -qF " $POD_GW/" || ip addr add "$POD_GW/${POD_CIDR#*/}" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  ip route replace "$SERVICE_CIDR" dev "$BRIDGE" src "$POD_GW"
  # br_netfilter: bridged pod-to-pod traffic passes iptables (kube-proxy's Service rules).
  echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || true
  # The API server listens on all addresses (pods reach it at $POD_GW): accept its port only
  # from loopback and the bridge.
  iptables -w -N PYHYGIENE-INPUT 2>/dev/null || iptables -w -F PYHYGIENE-INPUT
  iptables -w -A PYHYGIENE-INPUT -i lo -j RETURN
  iptables -w -A PYHYGIENE-INPUT -i "$BRIDGE" -j RETURN
  iptables -w -A PYHYGIENE-INPUT -j DROP
  iptables -w -C INPUT -p tcp --dport "$APISERVER_PORT" -j PYHYGIENE-INPUT 2>/dev/null \
    || iptables -w -I INPUT -p tcp --dport "$APISERVER_PORT" -j PYHYGIENE-INPUT
  # Pods talk to pods, the Service range and the node; nothing they send is forwarded elsewhere.
  iptables -w -N PYHYGIENE-FORWARD 2>/dev/null || iptables -w -F PYHYGIENE-FORWARD
  iptables -w -A PYHYGIENE-FORWARD -s "$POD_CIDR" -d "$POD_CIDR" -j RETURN
  iptables -w -A PYHYGIENE-FORWARD -s "$POD_CIDR" -j DROP
  iptables -w -C FORWARD -j PYHYGIENE-FORWARD 2>/dev/null || iptables -w -I FORWARD -j PYHYGIENE-FORWARD
}

# iptables_cleanup: every rule and chain of ours, kube-proxy's, the kubelet's and the CNI
# plugins', in every table, IPv4 and IPv6; nothing else is touched. Rules of the built-in chains
# are deleted by number (their comments hold spaces: iptables-save's quoting does not survive a
# shell round trip), highest first.
OUR_CHAINS='^(PYHYGIENE|KUBE|CNI)-'
iptables_cleanup() {
  local ipt table chain num
  for ipt in iptables ip6tables; do
    command -v "$ipt-save" >/dev/null || continue
    for table in filter nat mangle raw; do
      for chain in $("$ipt-save" -t "$table" 2>/dev/null | sed -n 's/^:\([A-Z]*\) .*/\1/p'); do
        [[ $chain =~ $OUR_CHAINS ]] && continue
        for num in $("$ipt" -w -t "$table" -L "$chain" -n --line-numbers 2>/dev/null \
                     | awk -v re="$OUR_CHAINS" 'NR > 2 && $2 ~ re {print $1}' | sort -rn); do
          "$ipt" -w -t "$table" -D "$chain" "$num" 2>/dev/null || true
        done
      done
      for chain in $("$ipt-save" -t "$table" 2>/dev/null | sed -n 's/^:\([^ ]*\) .*/\1/p' | grep -E "$OUR_CHAINS"); do
        "$ipt" -w -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$ipt-save" -t "$table" 2>/dev/null | sed -n 's/^:\([^ ]*\) .*/\1/p' | grep -E "$OUR_CHAINS"); do
        "$ipt" -w -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

# ---------------------------------------------------------------- certificates and configs
node_certs() {
  local client_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  gen_cert "kubelet-client" "/O=system:nodes/CN=system:node:$NODE_NAME" "$client_ext"
  gen_cert "kubelet-serving" "/CN=$NODE_NAME" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:$POD_GW,IP:127.0.0.1,DNS:$NODE_NAME,DNS:localhost"
  gen_cert "kube-scheduler" "/CN=system:kube-scheduler" "$client_ext"
  gen_cert "kube-proxy" "/CN=system:kube-proxy" "$client_ext"
  # The API server's client certificate towards the kubelet (bound to system:kubelet-api-admin).
  gen_cert "apiserver-kubelet-client" "/CN=kube-apiserver-kubelet-client" "$client_ext"
  write_kubeconfig "$NODE_DIR/kubelet.kubeconfig" "system:node:$NODE_NAME" "$PKI/kubelet-client.crt" "$PKI/kubelet-client.key"
  write_kubeconfig "$NODE_DIR/kube-scheduler.kubeconfig" system:kube-scheduler "$PKI/kube-scheduler.crt" "$PKI/kube-scheduler.key"
  write_kubeconfig "$NODE_DIR/kube-proxy.kubeconfig" system:kube-proxy "$PKI/kube-proxy.crt" "$PKI/kube-proxy.key"
}

node_configs() {
  mkdir -p "$NODE_DIR" "$CTRD_DIR/certs.d/localhost:$REGISTRY_PORT" "$CNI_CONF_DIR" "$CNI_IPAM_DIR" \
    "$KUBELET_DIR" "$NODE_DIR/pod-logs" "$REGISTRY_DIR/data" "$SHIM_SOCKET_DIR"
  cat >"$REGISTRY_DIR/config.yml" <<EOF
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: $REGISTRY_DIR/data}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$REGISTRY_PORT
  debug: {addr: ""}
EOF
  # Every image name resolves against our registry only: a pod of another registry's image
  # (the integration tests' python:3.12, say) fails to pull here instead of reaching out.
  local hosts
  for hosts in "localhost:$REGISTRY_PORT" _default; do
    mkdir -p "$CTRD_DIR/certs.d/$hosts"
    cat >"$CTRD_DIR/certs.d/$hosts/hosts.toml" <<EOF
server = "http://localhost:$REGISTRY_PORT"
[host."http://localhost:$REGISTRY_PORT"]
  capabilities = ["pull", "resolve"]
EOF
  done
  cat >"$CTRD_DIR/config.toml" <<EOF
version = 3
root = "$CTRD_DIR/root"
state = "$CTRD_DIR/state"
disabled_plugins = ["io.containerd.nri.v1.nri", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$CTRD_SOCK"
[ttrpc]
  address = "$CTRD_SOCK.ttrpc"
[debug]
  level = "info"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CTRD_DIR/opt"
[plugins."io.containerd.shim.v1.manager"]
  socket_dir = "$SHIM_SOCKET_DIR"
[plugins."io.containerd.cri.v1.runtime"]
  # This VM's root lacks CAP_SYS_RESOURCE: lowering oom_score_adj is denied (e2e/README.md).
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "$RUNC_DIR/runc"
        Root = "$CTRD_DIR/runc"
        SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["$CNI_BIN_DIR"]
    conf_dir = "$CNI_CONF_DIR"
    max_conf_num = 1
[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "$PAUSE_IMAGE"
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = "$CTRD_DIR/certs.d"
[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
EOF
  # Pods get routes to the pod subnet and the Service range only: no default route, so nothing
  # a pod sends can leave the machine.
  cat >"$CNI_CONF_DIR/10-pyhygiene.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "pyhygiene",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$CNI_IPAM_DIR",
              "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$POD_GW"}]],
              "routes": [{"dst": "$SERVICE_CIDR"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  cat >"$NODE_DIR/kubelet-config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# cgroup v1 (KEP-5573: kubelet >= 1.35 refuses it unless told), no systemd here.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_ROOT_NAME
containerRuntimeEndpoint: unix://$CTRD_SOCK
address: $POD_GW
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization:
  mode: Webhook
podLogsDir: $NODE_DIR/pod-logs
# Only pods that tolerate it run here (the chart installed by make install, the node tests, the
# demo): the integration tests' pods stay Pending as on a cluster without nodes.
registerWithTaints: [{key: $NODE_TAINT_KEY, value: "true", effect: NoSchedule}]
clusterDomain: cluster.local
resolvConf: ""
maxPods: 40
serializeImagePulls: false
failSwapOn: false
# A shared build machine: do not evict pods because another process fills the disk.
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
nodeStatusReportFrequency: 10s
syncFrequency: 10s
EOF
  cat >"$NODE_DIR/kube-proxy-config.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $NODE_DIR/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:$PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$PROXY_METRICS_PORT
# Leave the machine's conntrack table size alone; no NodePorts on 127.0.0.1 (that would set
# route_localnet on every interface).
conntrack: {maxPerCore: 0}
iptables: {localhostNodePorts: false, syncPeriod: 10s, minSyncPeriod: 0s}
nodePortAddresses: ["$POD_GW/32"]
EOF
}

# node_cgroups: kubelet's cgroupRoot /pyhygiene in every cgroup v1 hierarchy (a cpuset child
# starts with no CPUs and memory nodes: copied from the root).
node_cgroups() {
  local d
  for d in /sys/fs/cgroup/*/; do
    d="${d%/}"
    [[ -L $d ]] && continue            # cpu -> cpu,cpuacct style links
    [[ -e $d/cgroup.procs ]] || continue
    [[ $d == */unified ]] && continue
    mkdir -p "$d/$CGROUP_ROOT_NAME"
    if [[ -e $d/cpuset.cpus ]]; then
      [[ -n "$(tr -d '\n' <"$d/$CGROUP_ROOT_NAME/cpuset.cpus")" ]] \
        || cat "$d/cpuset.cpus" >"$d/$CGROUP_ROOT_NAME/cpuset.cpus"
      [[ -n "$(tr -d '\n' <"$d/$CGROUP_ROOT_NAME/cpuset.mems")" ]] \
        || cat "$d/cpuset.mems" >"$d/$CGROUP_ROOT_NAME/cpuset.mems"
    fi
  done
}

# cgroup_cleanup: the /pyhygiene tree in every hierarchy, deepest first (only empty cgroups can
# be removed: every process of it must be gone).
cgroup_cleanup() {
  local d
  for d in /sys/fs/cgroup/*/"$CGROUP_ROOT_NAME"; do
    [[ -d $d ]] || continue
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

# node_cgroups_left: the cgroups of the tree that still exist (empty when clean).
node_cgroups_left() {
  local d
  for d in /sys/fs/cgroup/*/"$CGROUP_ROOT_NAME"; do
    [[ -d $d ]] && echo "$d"
  done
  return 0
}

# ---------------------------------------------------------------- readiness checks
registry_ready() { [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$REGISTRY_PORT/v2/")" == 200 ]]; }
containerd_ready() { "$(tool_path ctr)" --address "$CTRD_SOCK" --timeout 3s version >/dev/null 2>&1; }
scheduler_ready() { [[ "$(curl -sk --max-time 3 "https://127.0.0.1:$SCHEDULER_PORT/healthz" 2>/dev/null)" == "ok" ]]; }
kubelet_ready() { [[ "$(curl -s --max-time 3 "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz" 2>/dev/null)" == "ok" ]]; }
proxy_ready() { curl -s --max-time 3 -o /dev/null "http://127.0.0.1:$PROXY_HEALTHZ_PORT/healthz" 2>/dev/null; }
node_ready() {
  [[ "$(curl_api "/api/v1/nodes/$NODE_NAME" 2>/dev/null | python3 -c '
import json, sys
n = json.load(sys.stdin)
print(next((c["status"] for c in n.get("status", {}).get("conditions", []) if c["type"] == "Ready"), ""))' 2>/dev/null)" == True ]]
}
# pause_in_registry: the sandbox image is in our registry (make images / ensure_pause_image).
pause_in_registry() {
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 \
      -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
      "http://127.0.0.1:$REGISTRY_PORT/v2/pause/manifests/$PAUSE_TAG")" == 200 ]]
}

# ---------------------------------------------------------------- stop and clean up
# node_containers_cleanup: with containerd still running, every task killed and every
# container removed (sandboxes included) in containerd's k8s.io namespace.
node_containers_cleanup() {
  local ctr=("$(tool_path ctr)" --address "$CTRD_SOCK" --timeout 10s -n k8s.io) id
  containerd_ready || return 0
  for id in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
    "${ctr[@]}" tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1 || true
  done
  for id in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
    for _ in $(seq 50); do
      "${ctr[@]}" tasks delete "$id" >/dev/null 2>&1 && break
      sleep 0.1
    done
  done
  for id in $("${ctr[@]}" containers ls -q 2>/dev/null); do
    "${ctr[@]}" containers rm "$id" >/dev/null 2>&1 || true
  done
}

# shims_of_work_dir: pids of containerd shims of this work dir (they outlive containerd).
shims_of_work_dir() {
  local pid
  for pid in $(pgrep -f -- "$(tool_path containerd-shim-runc-v2)" || true); do
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$CTRD_SOCK" && echo "$pid"
  done
  return 0
}

# mounts_under DIR...: mount points below the given dirs, deepest first.
mounts_under() {
  local d
  for d in "$@"; do
    awk -v p="$d/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo
  done | sort -r -u
}

# node_cleanup: everything the node created on the machine, after its processes are stopped.
# The machine-wide parts (bridge, route, packet filter, cgroups, sysctls) only when this work
# dir owns the node, or nobody does (leftovers of a crash): never another work dir's node.
# Data is kept (images in containerd's content store, the registry's blobs, certificates)
# unless WIPE=1. Idempotent.
node_cleanup() {
  local pid m owner
  owner="$(node_owner || true)"
  for pid in $(shims_of_work_dir); do kill -KILL "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do [[ -z "$(shims_of_work_dir)" ]] && break; sleep 0.1; done
  # mounts: containers' rootfs, network namespaces, kubelet's tmpfs volumes
  for m in $(mounts_under "$NODE_DIR" "$SHIM_SOCKET_DIR"); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$SHIM_SOCKET_DIR" "$CNI_IPAM_DIR" "$CTRD_DIR/state" "$CTRD_DIR/runc"
  # the kubelet's symlinks to this node's container logs
  find /var/log/containers -maxdepth 1 -type l -lname "$NODE_DIR/*" -delete 2>/dev/null || true
  if [[ -n "$owner" && "$owner" != "$WORK" ]]; then
    log "node: $owner owns the machine's node: its bridge, packet filter and cgroups are left alone"
    return 0
  fi
  # processes left in the pod cgroups (containers whose shim is gone)
  local procs=()
  [[ -d /sys/fs/cgroup/pids/$CGROUP_ROOT_NAME ]] \
    && mapfile -t procs < <(find "/sys/fs/cgroup/pids/$CGROUP_ROOT_NAME" -name cgroup.procs -exec cat {} + 2>/dev/null)
  (( ${#procs[@]} )) && kill -KILL "${procs[@]}" 2>/dev/null
  # network: veths die with their namespaces; the bridge, the route and the chains go here
  local veth
  for veth in $(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip link del "$veth" 2>/dev/null || true
  done
  ip route del "$SERVICE_CIDR" dev "$BRIDGE" 2>/dev/null || true
  ip link del "$BRIDGE" 2>/dev/null || true
  host_paths_cleanup
  iptables_cleanup
  restore_sysctls
  for _ in $(seq 30); do
    cgroup_cleanup
    [[ -z "$(node_cgroups_left)" ]] && break
    sleep 0.1
  done
  rm -f "$NODE_OWNER_FILE"
}

# host_paths_cleanup: what the node writes outside the work dir, at paths its programs fix:
# libcni's result cache (/var/lib/cni/results: network "pyhygiene" and the loopback of the same
# containers; a container killed at cluster-down never got its CNI DEL) and the kubelet's
# device-plugin socket (/var/lib/kubelet/device-plugins). Their folders go when empty.
host_paths_cleanup() {
  local f id
  for f in /var/lib/cni/results/pyhygiene-*; do
    [[ -e $f ]] || continue
    id="${f#/var/lib/cni/results/pyhygiene-}"; id="${id%-*}"
    rm -f "$f" "/var/lib/cni/results/cni-loopback-$id-lo"
  done
  rm -f /var/lib/kubelet/device-plugins/kubelet.sock
  rmdir /var/lib/cni/results /var/lib/cni /var/lib/kubelet/device-plugins /var/lib/kubelet 2>/dev/null || true
  rmdir /var/log/containers 2>/dev/null || true
}

# node_leftovers: what a stopped node must not leave behind on the machine (one line each);
# empty when clean. Used by cluster-check.
node_leftovers() {
  local out=()
  [[ -n "$(shims_of_work_dir)" ]] && out+=("shims: $(shims_of_work_dir | tr '\n' ' ')")
  local m; m="$(mounts_under "$NODE_DIR" "$SHIM_SOCKET_DIR" | tr '\n' ' ')"
  [[ -n "$m" ]] && out+=("mounts: $m")
  ip link show "$BRIDGE" >/dev/null 2>&1 && out+=("bridge $BRIDGE")
  local veths; veths="$(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | tr '\n' ' ')"
  [[ -n "$veths" ]] && out+=("veths: $veths")
  ip route show "$SERVICE_CIDR" 2>/dev/null | grep -q . && out+=("route $SERVICE_CIDR")
  local rules; rules="$( { iptables-save 2>/dev/null; ip6tables-save 2>/dev/null; } | grep -cE '(PYHYGIENE|KUBE|CNI)-' || true)"
  (( rules > 0 )) && out+=("packet filter: $rules lines naming PYHYGIENE-/KUBE-/CNI- chains")
  local cg; cg="$(node_cgroups_left | tr '\n' ' ')"
  [[ -n "$cg" ]] && out+=("cgroups: $cg")
  [[ -d $SHIM_SOCKET_DIR ]] && out+=("dir $SHIM_SOCKET_DIR")
  local f; for f in /var/lib/cni/results/pyhygiene-* /var/lib/kubelet/device-plugins/kubelet.sock; do
    [[ -e $f ]] && out+=("file $f")
  done
  local ns; ns="$(find "$CTRD_DIR/state" -path '*netns*' -type f 2>/dev/null | tr '\n' ' ')"
  [[ -n "$ns" ]] && out+=("netns: $ns")
  (( ${#out[@]} )) && printf '%s\n' "${out[@]}"
  return 0
}

# ---------------------------------------------------------------- start (from cluster-up.sh)
# node_start: the node's components in order, each waited for (bounded); then a probe pod must
# reach Running. Uses cluster-up.sh's start and wait_for.
node_start() {
  start kube-scheduler \
    --kubeconfig="$NODE_DIR/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="$NODE_DIR/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="$NODE_DIR/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 \
    --secure-port="$SCHEDULER_PORT" \
    --cert-dir="$NODE_DIR/scheduler-certs" \
    --leader-elect=false \
    --profiling=false \
    --v=1
  wait_for kube-scheduler scheduler_ready

  start registry serve "$REGISTRY_DIR/config.yml"
  wait_for registry registry_ready "registry ready on localhost:$REGISTRY_PORT"
  if ! pause_in_registry; then
    log "the sandbox image $PAUSE_IMAGE is not in the registry: images.sh pause"
    bash "$E2E_DIR/bin/images.sh" pause 2>&1 | sed 's/^/[images] /'
    pause_in_registry || die "could not push $PAUSE_IMAGE to the registry"
  fi

  # containerd finds its shim, and the CRI plugin runc, on its PATH: runc $RUNC_VERSION first.
  START_PATH="$RUNC_DIR:$CONTAINERD_DIR" start containerd --config "$CTRD_DIR/config.toml"
  wait_for containerd containerd_ready

  # The API server's client certificate may use the kubelet API (logs, exec, port-forward).
  kc_node apply --server-side --field-manager=cluster-up -f - >/dev/null <<YAML || die "binding system:kubelet-api-admin failed"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "pyhygiene:apiserver-kubelet-client"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:kubelet-api-admin"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: kube-apiserver-kubelet-client}]
YAML
  start kubelet \
    --config="$NODE_DIR/kubelet-config.yaml" \
    --kubeconfig="$NODE_DIR/kubelet.kubeconfig" \
    --root-dir="$KUBELET_DIR" \
    --cert-dir="$NODE_DIR/kubelet-pki" \
    --node-ip="$POD_GW" \
    --hostname-override="$NODE_NAME" \
    --v=1
  wait_for kubelet kubelet_ready
  wait_for kubelet node_ready "node $NODE_NAME Ready"
  # registerWithTaints acts at registration only: a node kept from an earlier start gets it here.
  kc_node taint node "$NODE_NAME" "$NODE_TAINT_KEY=true:NoSchedule" --overwrite >/dev/null \
    || die "tainting node $NODE_NAME failed"

  start kube-proxy --config="$NODE_DIR/kube-proxy-config.yaml" --v=1
  wait_for kube-proxy proxy_ready

  # A pod really runs: scheduled, its sandbox and container started from our registry.
  kc_node delete pod pyhygiene-node-probe -n default --ignore-not-found --grace-period=0 --force >/dev/null 2>&1 || true
  kc_node run pyhygiene-node-probe -n default --image="$PAUSE_IMAGE" --restart=Never \
    --overrides="{\"spec\":{\"terminationGracePeriodSeconds\":0,\"tolerations\":[$NODE_TOLERATION]}}" >/dev/null \
    || die "creating the probe pod failed"
  wait_for kubelet probe_pod_running "a pod Running on $NODE_NAME ($PAUSE_IMAGE)"
  kc_node delete pod pyhygiene-node-probe -n default --wait=false >/dev/null 2>&1 || true
}
probe_pod_running() {
  [[ "$(kc_node get pod pyhygiene-node-probe -n default -o jsonpath='{.status.phase}' 2>/dev/null)" == Running ]]
}
