#!/usr/bin/env bash
# Installs the kubectl plugin: PREFIX/bin/kubectl-pyhygiene and PREFIX/share/pyhygiene/pyhygiene.jar.
# Usage: scripts/install-kubectl-plugin.sh [PREFIX]   (default ~/.local; JAR=... to pick the jar)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${1:-${HOME}/.local}"
jar="${JAR:-$root/dist/target/pyhygiene.jar}"

if [[ ! -f "$jar" ]]; then
  echo "install-kubectl-plugin: $jar not found: run 'make build' first" >&2
  exit 1
fi
install -d "$prefix/bin" "$prefix/share/pyhygiene"
install -m 0644 "$jar" "$prefix/share/pyhygiene/pyhygiene.jar"
install -m 0755 "$root/bin/kubectl-pyhygiene" "$prefix/bin/kubectl-pyhygiene"
echo "installed $prefix/bin/kubectl-pyhygiene (jar: $prefix/share/pyhygiene/pyhygiene.jar)"

case ":${PATH}:" in
  *":$prefix/bin:"*) echo "try: kubectl pyhygiene audit --cluster -A" ;;
  *) echo "$prefix/bin is not on PATH: add it (export PATH=\"$prefix/bin:\$PATH\") for 'kubectl pyhygiene' to work" ;;
esac
