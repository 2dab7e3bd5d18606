#!/usr/bin/env bash
# The peer linters the offline benchmark compares pyhygiene with, built from the registries this
# machine reaches and cached by version, so a second run reuses them.
#
#   scripts/peers.sh install   build/install what is missing (idempotent), print the paths
#   scripts/peers.sh paths     print NAME=PATH lines for what is installed (fails if one is missing)
#   scripts/peers.sh probe     try the peers the Go module proxy does not serve; print the errors
#
# kube-score and Trivy come from the Go module proxy (`go install`), Checkov from PyPI in a
# venv of its own. Trivy's misconfiguration checks are compiled into the binary (the Go module
# github.com/aquasecurity/trivy-checks is a dependency and embeds them); `trivy config` uses
# them when run with --skip-check-update, without fetching the OCI bundle (docs/peers.md).
# Env: PYHYGIENE_CACHE (default ~/.cache/pyhygiene).
set -euo pipefail

KUBE_SCORE_VERSION=v1.20.0
TRIVY_VERSION=v0.74.0
CHECKOV_VERSION=3.3.30
CACHE="${PYHYGIENE_CACHE:-$HOME/.cache/pyhygiene}"
PEERS="$CACHE/peers"
KUBE_SCORE="$PEERS/kube-score-$KUBE_SCORE_VERSION/kube-score"
TRIVY="$PEERS/trivy-$TRIVY_VERSION/trivy"
CHECKOV="$PEERS/checkov-$CHECKOV_VERSION/bin/checkov"

log() { printf '[peers] %s\n' "$*" >&2; }

# go install MODULE@VERSION into DIR, under nice: the Trivy build is large and the machine shared.
go_install() {
  local dir="$1" pkg="$2"
  mkdir -p "$dir"
  log "go install $pkg (into $dir)"
  GOBIN="$dir" GOFLAGS="${GOFLAGS:-} -trimpath" nice -n 15 go install "$pkg"
}

install_kube_score() {
  [[ -x "$KUBE_SCORE" ]] && return
  go_install "$(dirname "$KUBE_SCORE")" "github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION"
}

install_trivy() {
  [[ -x "$TRIVY" ]] && return
  # As Trivy's release build (goreleaser.yml in the module): encoding/json/v2 is still a Go
  # experiment (without GOEXPERIMENT=jsonv2: "build constraints exclude all Go files in
  # .../encoding/json/v2"), static, and stamped with its version for `trivy --version`.
  local dir
  dir="$(dirname "$TRIVY")"
  mkdir -p "$dir"
  log "go install github.com/aquasecurity/trivy/cmd/trivy@$TRIVY_VERSION (into $dir)"
  GOBIN="$dir" GOFLAGS="${GOFLAGS:-} -trimpath" GOEXPERIMENT=jsonv2 CGO_ENABLED=0 nice -n 15 go install \
    -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=${TRIVY_VERSION#v}" \
    "github.com/aquasecurity/trivy/cmd/trivy@$TRIVY_VERSION"
}

install_checkov() {
  [[ -x "$CHECKOV" ]] && return
  local venv
  venv="$(dirname "$(dirname "$CHECKOV")")"
  log "pip install checkov==$CHECKOV_VERSION (venv $venv)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  nice -n 15 "$venv/bin/pip" install -q --disable-pip-version-check "checkov==$CHECKOV_VERSION"
}

paths() {
  local missing=0 name path
  for name in KUBE_SCORE TRIVY CHECKOV; do
    path="${!name}"
    if [[ -x "$path" ]]; then printf '%s=%s\n' "$name" "$path"; else log "missing: $path"; missing=1; fi
  done
  return "$missing"
}

# kube-linter and Polaris: what the module proxy answers (recorded in docs/peers.md).
probe() {
  local tmp pkg
  tmp="$(mktemp -d)"
  for pkg in golang.stackrox.io/kube-linter/cmd/kube-linter@latest \
             golang.stackrox.io/kube-linter/cmd/kube-linter@v0.7.6 \
             github.com/stackrox/kube-linter/cmd/kube-linter@latest \
             github.com/fairwindsops/polaris@latest \
             github.com/fairwindsops/polaris/v9@v9.6.1; do
    printf '$ go install %s\n' "$pkg"
    GOBIN="$tmp" GOFLAGS="${GOFLAGS:-}" go install "$pkg" 2>&1 | tail -3 || true
  done
  rm -rf "$tmp"
}

case "${1:-install}" in
  install) install_kube_score; install_checkov; install_trivy; paths ;;
  paths) paths ;;
  probe) probe ;;
  *) echo "usage: $0 install|paths|probe" >&2; exit 2 ;;
esac
