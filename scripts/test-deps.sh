#!/usr/bin/env bash
# Installs what the tests need beyond Java and Maven, idempotently:
#  - busybox (Alpine's /bin/sh), dash, bash, tini and dumb-init for the PID 1 ground truth,
#  - a Python virtualenv with gunicorn and uvicorn from PyPI for the server drain ground truth.
# The virtualenv lives outside the clone: ${PYHYGIENE_CACHE:-~/.cache/pyhygiene}/venv.
set -euo pipefail
cache="${PYHYGIENE_CACHE:-$HOME/.cache/pyhygiene}"
venv="${PYHYGIENE_VENV:-$cache/venv}"
GUNICORN_VERSION=27.0.1
UVICORN_VERSION=0.54.0

missing=()
for tool in busybox dash bash tini dumb-init unshare python3; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
# Debian splits venv's ensurepip into python3-venv: python3 alone cannot create the venv.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi
if ((${#missing[@]})); then
  echo "test-deps: installing ${missing[*]} with apt-get"
  pkgs=()
  for tool in "${missing[@]}"; do
    case "$tool" in
      unshare) pkgs+=(util-linux) ;;
      python3) pkgs+=(python3 python3-venv) ;;
      *) pkgs+=("$tool") ;;
    esac
  done
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi

want="gunicorn==$GUNICORN_VERSION uvicorn==$UVICORN_VERSION"
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.pyhygiene-pins" 2>/dev/null)" = "$want" ]; then
  echo "test-deps: reusing $venv ($want)"
else
  echo "test-deps: creating $venv with $want"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "gunicorn==$GUNICORN_VERSION" "uvicorn==$UVICORN_VERSION"
  echo "$want" > "$venv/.pyhygiene-pins"
fi
