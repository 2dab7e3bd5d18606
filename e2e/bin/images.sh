#!/usr/bin/env bash
# Builds the cluster's images without Docker and pushes them to the local registry
# (localhost:$PYHYGIENE_REGISTRY_PORT, started by cluster-up):
#   pause        localhost:5000/pause:3.10.2        upstream's build/pause/linux/pause.c (static C),
#                                                   the node's sandbox image
#   python-base  localhost:5000/base/python:3.11-bookworm   Debian bookworm + python3, dash as /bin/sh
#   java-base    localhost:5000/base/java:17-bookworm       Debian bookworm + openjdk-17-jre-headless
#   examples     localhost:5000/examples/{gunicorn,uvicorn}-app:dev   examples/apps/, PyPI packages
#   operator     localhost:5000/pyhygiene:dev       jib-maven-plugin on java-base (operator/pom.xml)
#
# Usage: images.sh [image...]   (default: all, in the order above)
# Each image is skipped when its inputs (a hash of the files and settings it is built from) did
# not change and the registry still has it; root filesystems built by mmdebstrap are cached as
# tarballs under ${PYHYGIENE_CACHE}/images, so a wiped registry is refilled in seconds.
# Env: REBUILD_IMAGES=1 rebuilds everything.
set -euo pipefail
# shellcheck source=cluster-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster-env.sh"
# shellcheck source=../../build.env
source "$(dirname "${BASH_SOURCE[0]}")/../../build.env"

IMAGES_CACHE="$PYHYGIENE_CACHE/images"
REGISTRY="localhost:$REGISTRY_PORT"
CRANE="$(tool_path crane)"
NICE=(nice -n "${PYHYGIENE_NICE:-10}")
PYTHON_BASE="$REGISTRY/base/python:3.11-bookworm"
JAVA_BASE="$REGISTRY/base/java:17-bookworm"
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR="${PYHYGIENE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEFAULT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Pinned like scripts/test-deps.sh pins them for the ground-truth tests.
GUNICORN_VERSION=27.0.1
UVICORN_VERSION=0.54.0
EXAMPLES_DIR="$REPO_ROOT/examples/apps"
OPERATOR_IMAGE="${PYHYGIENE_OPERATOR_IMAGE:-$REGISTRY/pyhygiene:dev}"

want=("$@")
(( ${#want[@]} )) || want=(pause python-base java-base examples operator)
declare -a report=()
note() { report+=("$(printf '  %-34s %-8s %-7s %s' "$1" "$2" "$3" "$4")"); }

# crane_q ARGS...: crane, its log shown only when it fails.
crane_q() {
  local out rc=0
  out="$("$CRANE" "$@" 2>&1)" || rc=$?
  (( rc == 0 )) || printf '%s\n' "$out" >&2
  return "$rc"
}

registry_ready() { [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$REGISTRY_PORT/v2/")" == 200 ]]; }
# digest_in_registry REF: the manifest digest the registry serves for REF, or nothing.
digest_in_registry() { "$CRANE" digest "$1" 2>/dev/null || true; }

# up_to_date NAME KEY REF: the recorded key matches and the registry serves the recorded digest.
up_to_date() {
  local stamp="$IMAGES_CACHE/$1.stamp"
  [[ "${REBUILD_IMAGES:-0}" == 1 ]] && return 1
  [[ -s $stamp ]] || return 1
  local key digest; { read -r key; read -r digest; } <"$stamp"
  [[ "$key" == "$2" && -n "$digest" && "$(digest_in_registry "$3")" == "$digest" ]]
}
record() { printf '%s\n%s\n' "$2" "$(digest_in_registry "$3")" >"$IMAGES_CACHE/$1.stamp"; }

# hash_of ARGS...: one sha256 over strings and file contents (files are hashed by path + content).
hash_of() {
  local a
  for a in "$@"; do
    if [[ -f $a ]]; then printf 'file %s\n' "${a#"$REPO_ROOT"/}"; sha256sum <"$a"; else printf 'arg %s\n' "$a"; fi
  done | sha256sum | cut -c1-16
}

# layer_tar DIR OUT: a reproducible tar of DIR's content (root-owned, fixed mtime, sorted).
layer_tar() {
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf "$2" .
}

# ---------------------------------------------------------------- pause
build_pause() {
  local t0 src key ref="$PAUSE_IMAGE"; t0=$(now_ms)
  local json
  json="$(cd / && GOFLAGS='' go mod download -json "k8s.io/kubernetes@$K8S_VERSION" 2>&1)" \
    || die "go mod download k8s.io/kubernetes@$K8S_VERSION failed: $json"
  src="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")/build/pause/linux/pause.c"
  [[ -f $src ]] || die "pause.c not found in the Go module cache (k8s.io/kubernetes@$K8S_VERSION): $src"
  local cflags="-Os -Wall -Werror -static -DVERSION=v$PAUSE_TAG-pyhygiene"
  key="$(hash_of "$src" "$cflags" "$PAUSE_TAG" "$(gcc -dumpfullversion)" "user 65535:65535")"
  if up_to_date pause "$key" "$ref"; then note "$ref" reused "$(fmt_ms "$t0")" "key $key"; return 0; fi
  local tmp; tmp="$(mktemp -d)"
  mkdir -p "$tmp/root"
  # shellcheck disable=SC2086 # upstream's CFLAGS, word-split on purpose
  gcc $cflags -o "$tmp/root/pause" "$src" || { rm -rf "$tmp"; die "gcc pause.c failed"; }
  strip "$tmp/root/pause"
  layer_tar "$tmp/root" "$tmp/layer.tar"
  if ! crane_q append --oci-empty-base -f "$tmp/layer.tar" -t "$ref.build" \
     || ! crane_q mutate "$ref.build" --entrypoint /pause --user 65535:65535 --set-platform linux/amd64 \
            -t "$ref" >/dev/null; then
    rm -rf "$tmp"; die "pushing $ref failed"
  fi
  "$CRANE" delete "$("$CRANE" digest --full-ref "$ref.build")" >/dev/null 2>&1 || true
  rm -rf "$tmp"
  record pause "$key" "$ref"
  note "$ref" built "$(fmt_ms "$t0")" "pause.c of k8s.io/kubernetes@$K8S_VERSION, gcc -static"
}

# ---------------------------------------------------------------- Debian bases
# debian_rootfs NAME PACKAGES: a bookworm minbase rootfs with PACKAGES, as a tarball cached by
# its inputs; prints its path. Docs, man pages, locales and apt lists are left out.
debian_rootfs() {
  local name="$1" pkgs="$2" key out
  key="$(hash_of "$DEBIAN_SUITE" minbase "$pkgs" "$(mmdebstrap --version)" rootfs-v1)"
  out="$IMAGES_CACHE/$name-rootfs-$key.tar"
  if [[ ! -s $out ]]; then
    command -v mmdebstrap >/dev/null || bash "$E2E_DIR/bin/tools.sh" debs >/dev/null
    # shellcheck disable=SC2016 # $1 is expanded by mmdebstrap: the hook's argument, the rootfs
    local CLEAN_HOOK='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*.log'
    # openjdk's postinst registers man pages as alternatives' slaves: the folder must exist
    # even though man pages are left out (the classic slim-image failure).
    # shellcheck disable=SC2016 # as above
    local MAN_HOOK='mkdir -p "$1"/usr/share/man/man1'
    log "mmdebstrap $DEBIAN_SUITE minbase + $pkgs (cold: 1-3 min)" >&2
    rm -f "$IMAGES_CACHE/$name"-rootfs-*.tar
    rm -rf "$out.d"
    "${NICE[@]}" mmdebstrap --mode=root --variant=minbase --include="$pkgs" --essential-hook="$MAN_HOOK" \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
      --dpkgopt='path-exclude=/usr/share/info/*' \
      --customize-hook="$CLEAN_HOOK" \
      "$DEBIAN_SUITE" "$out.d" "$DEBIAN_MIRROR" >"$IMAGES_CACHE/$name-mmdebstrap.log" 2>&1 \
      || { tail -n 30 "$IMAGES_CACHE/$name-mmdebstrap.log" >&2; rm -rf "$out.d"; die "mmdebstrap $name failed (log: $IMAGES_CACHE/$name-mmdebstrap.log)"; }
    layer_tar "$out.d" "$out.tmp" && mv "$out.tmp" "$out"
    rm -rf "$out.d"
  fi
  echo "$out"
}

# deb_version ROOTFS_TAR PACKAGE: the package's version in the rootfs' dpkg status. awk reads to
# the end: exiting at the match closed the pipe on tar, whose SIGPIPE failed the pipeline
# (pipefail) once the status file outgrew the pipe's buffer (a cold python-base build).
deb_version() {
  tar -xOf "$1" ./var/lib/dpkg/status \
    | awk -v p="$2" '$1 == "Package:" {hit = ($2 == p)} hit && !found && $1 == "Version:" {print $2; found = 1}'
}

# push_rootfs ROOTFS_TAR REF MUTATE_ARGS...: the tarball as the only layer of REF, with config.
push_rootfs() {
  local tar="$1" ref="$2"; shift 2
  crane_q append --oci-empty-base -f "$tar" -t "$ref.build" >/dev/null || die "pushing $ref failed"
  crane_q mutate "$ref.build" --set-platform linux/amd64 "$@" -t "$ref" >/dev/null || die "configuring $ref failed"
  "$CRANE" delete "$("$CRANE" digest --full-ref "$ref.build")" >/dev/null 2>&1 || true
}

# A python:3.x-slim equivalent from Debian's packages: python3 (and venv, as the official images
# ship pip), dash as /bin/sh (Debian's default), the same kind of ENV.
build_python_base() {
  local t0 rootfs key pyver ref="$PYTHON_BASE"; t0=$(now_ms)
  rootfs="$(debian_rootfs python-base python3,python3-venv,ca-certificates)"
  key="$(hash_of "$rootfs" "$DEFAULT_PATH" image-v1)"
  if up_to_date python-base "$key" "$ref"; then note "$ref" reused "$(fmt_ms "$t0")" "key $key"; return 0; fi
  pyver="$(deb_version "$rootfs" python3.11-minimal)"; pyver="${pyver%%-*}"
  [[ -n $pyver ]] || die "no python3.11-minimal in $rootfs"
  push_rootfs "$rootfs" "$ref" --env "PATH=$DEFAULT_PATH" --env LANG=C.UTF-8 --env "PYTHON_VERSION=$pyver" --cmd python3
  record python-base "$key" "$ref"
  note "$ref" built "$(fmt_ms "$t0")" "Debian $DEBIAN_SUITE python3 $pyver, $(du -m "$rootfs" | cut -f1) MiB rootfs"
}

build_java_base() {
  local t0 rootfs key jver ref="$JAVA_BASE"; t0=$(now_ms)
  rootfs="$(debian_rootfs java-base openjdk-17-jre-headless)"
  key="$(hash_of "$rootfs" "$DEFAULT_PATH" image-v1)"
  if up_to_date java-base "$key" "$ref"; then note "$ref" reused "$(fmt_ms "$t0")" "key $key"; return 0; fi
  jver="$(deb_version "$rootfs" openjdk-17-jre-headless)"
  push_rootfs "$rootfs" "$ref" --env "PATH=$DEFAULT_PATH" --env LANG=C.UTF-8 \
    --env JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 --env "JAVA_VERSION=${jver%%-*}"
  record java-base "$key" "$ref"
  note "$ref" built "$(fmt_ms "$t0")" "Debian $DEBIAN_SUITE openjdk-17-jre-headless $jver"
}

# ---------------------------------------------------------------- example services
# wheels: gunicorn and uvicorn with their dependencies from PyPI, for CPython 3.11 on Linux.
wheels() {
  local dir="$IMAGES_CACHE/wheels-gunicorn-$GUNICORN_VERSION-uvicorn-$UVICORN_VERSION"
  if [[ ! -d $dir ]]; then
    python3 -m pip download --quiet --disable-pip-version-check --no-cache-dir --only-binary=:all: \
      --python-version 3.11 --implementation cp --platform manylinux2014_x86_64 --platform any \
      -d "$dir.tmp" "gunicorn==$GUNICORN_VERSION" "uvicorn==$UVICORN_VERSION" >&2 \
      || { rm -rf "$dir.tmp"; die "pip download gunicorn/uvicorn failed"; }
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

# build_example NAME SERVER CMD...: /opt/venv with SERVER (installed by the image's own Python,
# in a chroot of the base rootfs, from the downloaded wheels) and /app/app.py, on python-base.
build_example() {
  local name="$1" server="$2" t0 key ref="$REGISTRY/examples/$1:dev" rootfs w tmp base_digest; shift 2
  t0=$(now_ms)
  rootfs="$(debian_rootfs python-base python3,python3-venv,ca-certificates)"
  w="$(wheels)"
  base_digest="$(digest_in_registry "$PYTHON_BASE")"
  [[ -n $base_digest ]] || die "$PYTHON_BASE is not in the registry (images.sh python-base)"
  key="$(hash_of "$EXAMPLES_DIR/$name/app.py" "$server" "$base_digest" "$*" "$GUNICORN_VERSION" "$UVICORN_VERSION" example-v1)"
  if up_to_date "$name" "$key" "$ref"; then note "$ref" reused "$(fmt_ms "$t0")" "key $key"; return 0; fi
  tmp="$(mktemp -d)"
  mkdir -p "$tmp/root" "$tmp/layer/app"
  tar -xf "$rootfs" -C "$tmp/root"
  mkdir -p "$tmp/root/tmp/wheels"; cp "$w"/*.whl "$tmp/root/tmp/wheels/"
  # A clean environment: nothing of the host's pip or Python settings leaks into the image.
  if ! env -i PATH="$DEFAULT_PATH" HOME=/root LANG=C.UTF-8 chroot "$tmp/root" /bin/sh -c "python3 -m venv /opt/venv && /opt/venv/bin/pip install --quiet \
        --disable-pip-version-check --no-index --no-cache-dir --find-links /tmp/wheels $server" >&2; then
    rm -rf "$tmp"; die "installing $server into $name failed"
  fi
  mkdir -p "$tmp/layer/opt"
  mv "$tmp/root/opt/venv" "$tmp/layer/opt/venv"
  find "$tmp/layer/opt/venv" -name __pycache__ -type d -prune -exec rm -rf {} +
  cp "$EXAMPLES_DIR/$name/app.py" "$tmp/layer/app/app.py"
  chmod -R a+rX "$tmp/layer"
  layer_tar "$tmp/layer" "$tmp/layer.tar"
  local cmd; cmd="$(IFS=,; echo "$*")"
  crane_q mutate "$PYTHON_BASE" --append "$tmp/layer.tar" --set-platform linux/amd64 \
    --env "PATH=/opt/venv/bin:$DEFAULT_PATH" --env PYTHONUNBUFFERED=1 --env PYTHONDONTWRITEBYTECODE=1 \
    --workdir /app --user 10001:10001 --exposed-ports 8000/tcp --cmd "$cmd" -t "$ref" >/dev/null \
    || { rm -rf "$tmp"; die "pushing $ref failed"; }
  rm -rf "$tmp"
  record "$name" "$key" "$ref"
  note "$ref" built "$(fmt_ms "$t0")" "$server, CMD [$cmd], USER 10001:10001"
}

build_examples() {
  build_example gunicorn-app "gunicorn==$GUNICORN_VERSION" gunicorn --bind 0.0.0.0:8000 app:app
  build_example uvicorn-app "uvicorn==$UVICORN_VERSION" uvicorn --host 0.0.0.0 --port 8000 app:app
}

# ---------------------------------------------------------------- the operator (Jib)
# jib-maven-plugin (configured in $DIST_MODULE/pom.xml) on java-base; Maven builds the module
# first. Skipped when the jar and the pom are unchanged and the registry has the image.
build_operator() {
  local t0 key base_digest ref="$OPERATOR_IMAGE"; t0=$(now_ms)
  base_digest="$(digest_in_registry "$JAVA_BASE")"
  [[ -n $base_digest ]] || die "$JAVA_BASE is not in the registry (images.sh java-base)"
  local jar="$REPO_ROOT/$DIST_JAR"
  if [[ ! -s $jar ]] || [[ -n "$(find "$REPO_ROOT/pom.xml" "$REPO_ROOT/$DIST_MODULE/pom.xml" "$REPO_ROOT/$DIST_MODULE/src/main" -newer "$jar" -print -quit 2>/dev/null)" ]]; then
    log "building $DIST_JAR (mvn package)" >&2
    (cd "$REPO_ROOT" && "${NICE[@]}" mvn -B -q package -DskipTests) >&2 || die "mvn package failed"
  fi
  key="$(hash_of "$jar" "$REPO_ROOT/$DIST_MODULE/pom.xml" "$base_digest" "$ref" operator-v1)"
  if up_to_date operator "$key" "$ref"; then note "$ref" reused "$(fmt_ms "$t0")" "key $key"; return 0; fi
  (cd "$REPO_ROOT" && "${NICE[@]}" mvn -B -q -pl "$DIST_MODULE" -am package -Pimage -DskipTests \
     -Djib.from.image="$JAVA_BASE@$base_digest" -Djib.to.image="$ref") >&2 || die "jib build failed"
  record operator "$key" "$ref"
  note "$ref" built "$(fmt_ms "$t0")" "jib-maven-plugin, $DIST_MODULE, on $JAVA_BASE"
}

# Never a silent failure: name the command and line an unexpected error stopped at.
set -o errtrace
trap 'echo "ERROR: images.sh: \"$BASH_COMMAND\" failed (line $LINENO)" >&2' ERR

main() {
  mkdir -p "$IMAGES_CACHE"
  exec 7>"$IMAGES_CACHE/.images.lock"
  flock 7
  registry_ready || die "no registry on 127.0.0.1:$REGISTRY_PORT: make cluster-up starts it"
  [[ -x $CRANE ]] || bash "$E2E_DIR/bin/tools.sh" crane >/dev/null
  local t0 i; t0=$(now_ms)
  for i in "${want[@]}"; do
    case "$i" in
      pause) build_pause ;;
      python-base) build_python_base ;;
      java-base) build_java_base ;;
      examples) build_examples ;;
      operator) build_operator ;;
      *) die "unknown image '$i' (known: pause python-base java-base examples operator)" ;;
    esac
  done
  echo "images (registry $REGISTRY, cache $IMAGES_CACHE):"
  printf '%s\n' "${report[@]}"
  echo "images: done in $(fmt_ms "$t0")"
}
main
