#!/usr/bin/env bash
# Runs a command against the local control plane: starts the cluster (cluster-up.sh,
# idempotent) if it is not running, runs the command, and stops the cluster again only if
# this script started it (so a developer's `make cluster-up` cluster stays up).
#   bash e2e/bin/with-cluster.sh mvn -B verify
# Exit code: the command's (or cluster-up's, if the cluster cannot be started).
set -euo pipefail
# shellcheck source=cluster-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster-env.sh"
(( $# )) || die "usage: with-cluster.sh COMMAND [ARG...]"

was_up=1
for c in "${COMPONENTS[@]}"; do running "$c" || was_up=0; done
(( was_up )) && { apiserver_ready || was_up=0; }

bash "$E2E_DIR/bin/cluster-up.sh"
# shellcheck disable=SC2317 # called by the EXIT trap
stop() { (( was_up )) || bash "$E2E_DIR/bin/cluster-down.sh"; }
trap stop EXIT
trap 'exit 130' INT TERM

set +e
"$@"
rc=$?
set -e
exit "$rc"
