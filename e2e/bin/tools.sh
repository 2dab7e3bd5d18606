#!/usr/bin/env bash
# Builds or reuses the e2e tool binaries, cached outside the clone, keyed by version:
#   ${PYHYGIENE_CACHE:-~/.cache/pyhygiene}/bin/<tool>-<version>
#   kube-apiserver, kube-controller-manager, kubectl   from e2e/kube (k8s.io/kubernetes)
#   etcd                                               from e2e/etcd (go.etcd.io/etcd/server/v3)
#   helm                                               go install helm.sh/helm/v3/cmd/helm
#   promtool (+ prometheus)                            Debian package `prometheus` (apt)
# and lays kube-apiserver, etcd and kubectl out for fabric8 kube-api-test under
#   $KUBE_API_TEST_DIR/k8s/<X.Y.Z>-linux-amd64/
#
# Usage: tools.sh [tool...]   (default: all; tools: kube etcd helm promtool openssl)
# Env:   REBUILD=1 rebuilds the Go tools even if cached.
# Idempotent; a warm run only checks files. Safe to run concurrently (flock).
set -euo pipefail
# shellcheck disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/cluster-env.sh"

export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"   # never download another Go toolchain
export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
GO_BUILD_FLAGS=(-trimpath -buildvcs=false)
NICE=(nice -n "${PYHYGIENE_NICE:-10}")

want=("$@")
(( ${#want[@]} )) || want=(openssl kube etcd helm promtool)

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

do_kube() {
  local t0 tools=(kube-apiserver kube-controller-manager kubectl) t; t0=$(now_ms)
  if cached "${tools[@]}"; then
    for t in "${tools[@]}"; do note "$t" reused "$(fmt_ms "$t0")" "$(tool_path "$t")"; done
  else
    need_go
    local v="$K8S_VERSION" major minor out
    major="${v#v}"; major="${major%%.*}"; minor="${v#v*.}"; minor="${minor%%.*}"
    out="$(mktemp -d "$CACHE_BIN/.build-kube.XXXXXX")"
    log "building kube-apiserver, kube-controller-manager, kubectl $v (cold: ~5-7 min on 2 cores)"
    # The same version variables upstream's hack/lib/version.sh sets, in both packages.
    local ldflags="-s -w" pkg
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
      ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
    done
    (cd "$E2E_DIR/kube" && "${NICE[@]}" go build "${GO_BUILD_FLAGS[@]}" -o "$out/" -ldflags "$ldflags" \
      ./cmd/kube-apiserver ./cmd/kube-controller-manager ./cmd/kubectl) || { rm -rf "$out"; die "building kube $v failed"; }
    install_bins "$out" "${tools[@]}"; rm -rf "$out"
    for t in "${tools[@]}"; do note "$t" built "$(fmt_ms "$t0")" "$(tool_path "$t")"; done
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

main() {
  mkdir -p "$CACHE_BIN"
  exec 9>"$PYHYGIENE_CACHE/.tools.lock"
  flock 9
  local t0 t; t0=$(now_ms)
  for t in "${want[@]}"; do
    case "$t" in
      openssl) do_openssl ;;
      kube) do_kube ;;
      etcd) do_etcd ;;
      helm) do_helm ;;
      promtool) do_promtool ;;
      *) die "unknown tool '$t' (known: openssl kube etcd helm promtool)" ;;
    esac
  done
  layout_kubeapitest
  echo "tools (cache $PYHYGIENE_CACHE):"
  printf '  %-26s %-9s %-8s %s\n' tool action time path
  printf '%s\n' "${report[@]}"
  echo "tools: done in $(fmt_ms "$t0")"
}
main
