#!/usr/bin/env bash
# Builds or reuses the e2e tool binaries, cached outside the clone, keyed by version:
#   ${PYHYGIENE_CACHE:-~/.cache/pyhygiene}/bin/<tool>-<version>
#   kube-apiserver, kube-controller-manager, kubectl   from e2e/kube (k8s.io/kubernetes)
#   etcd                                               from e2e/etcd (go.etcd.io/etcd/server/v3)
#   helm                                               go install helm.sh/helm/v3/cmd/helm
#   promtool (+ prometheus)                            Debian package `prometheus` (apt)
# and, for the node (`node` = all of these):
#   kubelet, kube-scheduler, kube-proxy                from e2e/kube (k8s.io/kubernetes)
#   containerd, containerd-shim-runc-v2, ctr           go install github.com/containerd/containerd/v2
#   runc (cgo + seccomp)                               go install github.com/opencontainers/runc
#   CNI bridge, host-local, loopback, portmap          go install github.com/containernetworking/plugins
#   crane                                              go install github.com/google/go-containerregistry
#   docker-registry, mmdebstrap, iptables, conntrack,  Debian packages (apt), if missing
#   libseccomp-dev, pkg-config, gcc
# and lays kube-apiserver, etcd and kubectl out for fabric8 kube-api-test under
#   $KUBE_API_TEST_DIR/k8s/<X.Y.Z>-linux-amd64/
#
# Usage: tools.sh [tool...]   (default: all; tools: openssl kube etcd helm promtool debs
#        kubenode containerd runc cni crane; `node` = debs kubenode containerd runc cni crane)
# Env:   REBUILD=1 rebuilds the Go tools even if cached.
# Idempotent; a warm run only checks files. Safe to run concurrently: one flock per tool (the
# apt-installed ones share one, dpkg's lock being global), so a caller whose tools are cached
# never waits for another caller's build of a different tool.
set -euo pipefail
# shellcheck source=cluster-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster-env.sh"

export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"   # never download another Go toolchain
export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
GO_BUILD_FLAGS=(-trimpath -buildvcs=false)
NICE=(nice -n "${PYHYGIENE_NICE:-10}")

NODE_TOOLS=(debs kubenode containerd runc cni crane)
want=()
for t in "$@"; do
  if [[ $t == node ]]; then want+=("${NODE_TOOLS[@]}"); else want+=("$t"); fi
done
(( ${#want[@]} )) || want=(openssl kube etcd helm promtool "${NODE_TOOLS[@]}")

declare -a report=()
note() { report+=("$(printf '  %-26s %-9s %-8s %s' "$1" "$2" "$3" "$4")"); }

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found; install $* by hand"
  if (( ! apt_updated )); then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "apt-get install -y $*"
  # The Debian prometheus package may try to start its service; there is no init here, and
  # we only want the binaries: forbid service starts during the install.
  local prc=/usr/sbin/policy-rc.d created=0
  if [[ ! -e $prc ]]; then printf '#!/bin/sh\nexit 101\n' >$prc; chmod +x $prc; created=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null || {
    (( created )) && rm -f $prc; die "apt-get install $* failed"; }
  (( created )) && rm -f $prc
  return 0
}

need_go() {
  command -v go >/dev/null || [[ ! -x /usr/local/go/bin/go ]] || export PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null || die "Go is required to build the e2e tools (the go directive of e2e/kube/go.mod: $(grep -E '^go ' "$E2E_DIR/kube/go.mod"))"
}

# cached TOOL...: true if every tool's versioned binary is in the cache.
cached() {
  [[ "${REBUILD:-0}" == 1 ]] && return 1
  local t; for t in "$@"; do [[ -x "$(tool_path "$t")" ]] || return 1; done
}

# install_bins SRC_DIR TOOL...: move freshly built SRC_DIR/<tool> to the cache atomically.
install_bins() {
  local src="$1" t; shift
  for t in "$@"; do
    mv -f "$src/$t" "$(tool_path "$t").tmp.$$"
    mv -f "$(tool_path "$t").tmp.$$" "$(tool_path "$t")"
  done
}

do_openssl() {
  local t0; t0=$(now_ms)
  if command -v openssl >/dev/null && command -v curl >/dev/null; then
    note openssl+curl reused "$(fmt_ms "$t0")" "$(openssl version | cut -d' ' -f1-2)"
  else
    apt_install openssl curl ca-certificates
    note openssl+curl installed "$(fmt_ms "$t0")" "$(openssl version | cut -d' ' -f1-2) (apt)"
  fi
}

# kube_ldflags: the same version variables upstream's hack/lib/version.sh sets, in both packages.
kube_ldflags() {
  local v="$K8S_VERSION" major minor ldflags="-s -w" pkg
  major="${v#v}"; major="${major%%.*}"; minor="${v#v*.}"; minor="${minor%%.*}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$ldflags"
}

do_kube() {
  local t0 tools=(kube-apiserver kube-controller-manager kubectl) t; t0=$(now_ms)
  if cached "${tools[@]}"; then
    for t in "${tools[@]}"; do note "$t" reused "$(fmt_ms "$t0")" "$(tool_path "$t")"; done
  else
    need_go
    local v="$K8S_VERSION" out
    out="$(mktemp -d "$CACHE_BIN/.build-kube.XXXXXX")"
    log "building kube-apiserver, kube-controller-manager, kubectl $v (cold: 15-30 min on 2 cores, by load: 20 min on 2026-12-03, 30 at load 7-9)"
    (cd "$E2E_DIR/kube" && "${NICE[@]}" go build "${GO_BUILD_FLAGS[@]}" -o "$out/" -ldflags "$(kube_ldflags)" \
      ./cmd/kube-apiserver ./cmd/kube-controller-manager ./cmd/kubectl) || { rm -rf "$out"; die "building kube $v failed"; }
    install_bins "$out" "${tools[@]}"; rm -rf "$out"
    for t in "${tools[@]}"; do note "$t" built "$(fmt_ms "$t0")" "$(tool_path "$t")"; done
  fi
}

# The node's Kubernetes components, same release and module as the control plane.
do_kubenode() {
  local t0 tools=(kubelet kube-scheduler kube-proxy) t; t0=$(now_ms)
  if cached "${tools[@]}"; then
    for t in "${tools[@]}"; do note "$t" reused "$(fmt_ms "$t0")" "$(tool_path "$t")"; done
  else
    need_go
    local out; out="$(mktemp -d "$CACHE_BIN/.build-kubenode.XXXXXX")"
    log "building kubelet, kube-scheduler, kube-proxy $K8S_VERSION (~2-4 min; less after the control plane)"
    (cd "$E2E_DIR/kube" && "${NICE[@]}" go build "${GO_BUILD_FLAGS[@]}" -o "$out/" -ldflags "$(kube_ldflags)" \
      ./cmd/kubelet ./cmd/kube-scheduler ./cmd/kube-proxy) || { rm -rf "$out"; die "building the node's kube $K8S_VERSION failed"; }
    install_bins "$out" "${tools[@]}"; rm -rf "$out"
    for t in "${tools[@]}"; do note "$t" built "$(fmt_ms "$t0")" "$(tool_path "$t")"; done
  fi
}

# go_install_dir DEST_DIR LDFLAGS PKG@VERSION...: `go install` into a fresh folder, then moved
# into place as a whole (a half-built folder is never seen). Runs outside the repo (no go.mod).
# Build tags from $GO_TAGS.
go_install_dir() {
  local dest="$1" ldflags="$2" tmp tags=(); shift 2
  [[ -n "${GO_TAGS:-}" ]] && tags=(-tags "$GO_TAGS")
  mkdir -p "$NODE_CACHE"
  tmp="$(mktemp -d "$NODE_CACHE/.build.XXXXXX")"
  if ! (cd "$tmp" && GOBIN="$tmp" "${NICE[@]}" go install "${GO_BUILD_FLAGS[@]}" -ldflags "$ldflags" \
        "${tags[@]}" "$@"); then
    rm -rf "$tmp"; return 1
  fi
  chmod 755 "$tmp"
  rm -rf "$dest"; mv "$tmp" "$dest"
}

# dir_cached DIR FILE...: true if every FILE is an executable in DIR (and REBUILD is not set).
dir_cached() {
  [[ "${REBUILD:-0}" == 1 ]] && return 1
  local d="$1" f; shift
  for f in "$@"; do [[ -x "$d/$f" ]] || return 1; done
}

do_containerd() {
  local t0; t0=$(now_ms)
  if dir_cached "$CONTAINERD_DIR" containerd containerd-shim-runc-v2 ctr; then
    note containerd reused "$(fmt_ms "$t0")" "$CONTAINERD_DIR/{containerd,containerd-shim-runc-v2,ctr}"
    return 0
  fi
  need_go
  log "building containerd $CONTAINERD_VERSION (containerd, containerd-shim-runc-v2, ctr; cold ~2-3 min)"
  local m="github.com/containerd/containerd/v2" v="$CONTAINERD_VERSION"
  # The version containerd reports (`containerd --version`, the CRI's RuntimeVersion).
  GO_TAGS="no_btrfs no_devmapper no_zfs" \
    go_install_dir "$CONTAINERD_DIR" "-s -w -X $m/version.Version=$v" "$m/cmd/containerd@$v" "$m/cmd/containerd-shim-runc-v2@$v" "$m/cmd/ctr@$v" \
    || die "building containerd $v failed"
  note containerd built "$(fmt_ms "$t0")" "$CONTAINERD_DIR/{containerd,containerd-shim-runc-v2,ctr}"
}

do_runc() {
  local t0; t0=$(now_ms)
  if dir_cached "$RUNC_DIR" runc; then
    note runc reused "$(fmt_ms "$t0")" "$RUNC_DIR/runc"
    return 0
  fi
  need_go
  pkg-config --exists libseccomp 2>/dev/null || apt_install libseccomp-dev pkg-config gcc libc6-dev
  log "building runc $RUNC_VERSION (cgo, seccomp)"
  # Debian's runc 1.1.5 fails under containerd 2.4 ("can't get final child's PID from pipe").
  CGO_ENABLED=1 GO_TAGS="seccomp" \
    go_install_dir "$RUNC_DIR" "-X main.version=${RUNC_VERSION#v}" "github.com/opencontainers/runc@$RUNC_VERSION" || die "building runc $RUNC_VERSION failed"
  note runc built "$(fmt_ms "$t0")" "$RUNC_DIR/runc"
}

do_cni() {
  local t0; t0=$(now_ms)
  if dir_cached "$CNI_BIN_DIR" "${CNI_PLUGINS[@]}"; then
    note cni-plugins reused "$(fmt_ms "$t0")" "$CNI_BIN_DIR/{$(IFS=,; echo "${CNI_PLUGINS[*]}")}"
    return 0
  fi
  need_go
  log "building CNI plugins $CNI_PLUGINS_VERSION (${CNI_PLUGINS[*]})"
  local m="github.com/containernetworking/plugins/plugins" pkgs=() p
  for p in main/bridge ipam/host-local main/loopback meta/portmap; do pkgs+=("$m/$p@$CNI_PLUGINS_VERSION"); done
  go_install_dir "$CNI_BIN_DIR" "-s -w" "${pkgs[@]}" || die "building the CNI plugins failed"
  note cni-plugins built "$(fmt_ms "$t0")" "$CNI_BIN_DIR/{$(IFS=,; echo "${CNI_PLUGINS[*]}")}"
}

do_crane() {
  local t0; t0=$(now_ms)
  if cached crane; then
    note crane reused "$(fmt_ms "$t0")" "$(tool_path crane)"
    return 0
  fi
  need_go
  log "building crane $GGCR_VERSION"
  local tmp; tmp="$(mktemp -d "$CACHE_BIN/.build-crane.XXXXXX")"
  go_install_dir "$tmp/d" "-s -w" "github.com/google/go-containerregistry/cmd/crane@$GGCR_VERSION" \
    || { rm -rf "$tmp"; die "building crane failed"; }
  install_bins "$tmp/d" crane; rm -rf "$tmp"
  note crane built "$(fmt_ms "$t0")" "$(tool_path crane)"
}

# Debian packages the node and the image builds use (each only if its command is missing).
do_debs() {
  local t0 missing=() c; t0=$(now_ms)
  for c in docker-registry:docker-registry mmdebstrap:mmdebstrap iptables:iptables conntrack:conntrack \
           gcc:gcc pkg-config:pkg-config; do
    command -v "${c%%:*}" >/dev/null || missing+=("${c#*:}")
  done
  [[ -e /usr/include/seccomp.h ]] || missing+=(libseccomp-dev)
  [[ -e /usr/lib/x86_64-linux-gnu/libc.a || -e /usr/lib/libc.a ]] || missing+=(libc6-dev)
  if (( ${#missing[@]} )); then
    apt_install "${missing[@]}"
    note debs installed "$(fmt_ms "$t0")" "${missing[*]} (apt)"
  else
    note debs reused "$(fmt_ms "$t0")" "docker-registry $(dpkg-query -W -f='${Version}' docker-registry 2>/dev/null), mmdebstrap, iptables, conntrack"
  fi
}

do_etcd() {
  local t0; t0=$(now_ms)
  if cached etcd; then
    note etcd reused "$(fmt_ms "$t0")" "$(tool_path etcd)"
  else
    need_go
    local out; out="$(mktemp -d "$CACHE_BIN/.build-etcd.XXXXXX")"
    log "building etcd $ETCD_VERSION"
    (cd "$E2E_DIR/etcd" && "${NICE[@]}" go build "${GO_BUILD_FLAGS[@]}" -ldflags "-s -w" -o "$out/etcd" .) \
      || { rm -rf "$out"; die "building etcd $ETCD_VERSION failed"; }
    install_bins "$out" etcd; rm -rf "$out"
    note etcd built "$(fmt_ms "$t0")" "$(tool_path etcd)"
  fi
}

do_helm() {
  local t0; t0=$(now_ms)
  if cached helm; then
    note helm reused "$(fmt_ms "$t0")" "$(tool_path helm)"
  else
    need_go
    local out; out="$(mktemp -d "$CACHE_BIN/.build-helm.XXXXXX")"
    log "building helm $HELM_VERSION (go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION)"
    local ld="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
    # go install pkg@version ignores the local go.mod; run it outside the repo.
    if ! (cd "$out" && GOBIN="$out" "${NICE[@]}" go install "${GO_BUILD_FLAGS[@]}" -ldflags "$ld" \
          "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"); then
      log "retrying helm without the checksum database (GONOSUMDB=helm.sh)"
      (cd "$out" && GONOSUMDB=helm.sh GOBIN="$out" "${NICE[@]}" go install "${GO_BUILD_FLAGS[@]}" -ldflags "$ld" \
          "helm.sh/helm/v3/cmd/helm@$HELM_VERSION") || { rm -rf "$out"; die "building helm failed"; }
    fi
    install_bins "$out" helm; rm -rf "$out"
    note helm built "$(fmt_ms "$t0")" "$(tool_path helm)"
  fi
}

do_promtool() {
  local t0; t0=$(now_ms)
  if command -v promtool >/dev/null; then
    note promtool reused "$(fmt_ms "$t0")" "$(command -v promtool) ($(promtool --version 2>&1 | head -1 | awk '{print $3}'))"
  else
    apt_install prometheus
    command -v promtool >/dev/null || die "the Debian package prometheus did not provide promtool"
    note promtool installed "$(fmt_ms "$t0")" "$(command -v promtool) ($(promtool --version 2>&1 | head -1 | awk '{print $3}'), apt)"
  fi
}

# fabric8 kube-api-test: $KUBE_API_TEST_DIR/k8s/<X.Y.Z>-linux-amd64/{kube-apiserver,etcd,kubectl}
layout_kubeapitest() {
  local t
  for t in kube-apiserver etcd kubectl; do [[ -x "$(tool_path "$t")" ]] || return 0; done
  local d="$KUBE_API_TEST_DIR/k8s/${K8S_VERSION#v}-linux-amd64"
  mkdir -p "$d"
  for t in kube-apiserver etcd kubectl; do ln -sfn "$(tool_path "$t")" "$d/$t"; done
  note kube-api-test linked - "$d"
}

# lock_name TOOL: the lock a tool is built or installed under.
lock_name() { case "$1" in openssl|debs|promtool) echo apt ;; *) echo "$1" ;; esac; }

main() {
  mkdir -p "$CACHE_BIN"
  local t0 t; t0=$(now_ms)
  for t in "${want[@]}"; do
    exec 9>"$PYHYGIENE_CACHE/.tools-$(lock_name "$t").lock"
    flock 9
    case "$t" in
      openssl) do_openssl ;;
      kube) do_kube ;;
      etcd) do_etcd ;;
      helm) do_helm ;;
      promtool) do_promtool ;;
      debs) do_debs ;;
      kubenode) do_kubenode ;;
      containerd) do_containerd ;;
      runc) do_runc ;;
      cni) do_cni ;;
      crane) do_crane ;;
      *) die "unknown tool '$t' (known: openssl kube etcd helm promtool debs kubenode containerd runc cni crane; node)" ;;
    esac
    exec 9>&-
  done
  layout_kubeapitest
  echo "tools (cache $PYHYGIENE_CACHE):"
  printf '  %-26s %-9s %-8s %s\n' tool action time path
  printf '%s\n' "${report[@]}"
  echo "tools: done in $(fmt_ms "$t0")"
}
main
