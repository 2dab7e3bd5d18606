#!/usr/bin/env bash
# `make node-e2e` (part of `make test`): the six shutdown cases of issue 13 on the real node.
#   1. cluster-up (idempotent: the control plane and its node)
#   2. images.sh: pause, bases, examples, the operator image (cached when unchanged)
#   3. install.sh: the chart with the local image, both replicas Ready, webhook via its Service,
#      Prometheus scraping the operator pods
#   4. ShutdownOnNodeE2E (Maven failsafe, only *E2E classes): writes docs/ground-truth.md
#   5. uninstall.sh, also on failure (the chart's default policy would otherwise select the
#      namespaces of the integration tests)
# Prints the time of each step.
set -euo pipefail
# shellcheck source=cluster-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/cluster-env.sh"
# shellcheck source=../../build.env
source "$(dirname "${BASH_SOURCE[0]}")/../../build.env"
# The Maven module holding the *E2E classes (io.pyhygiene.node): the one that packages pyhygiene.
TEST_MODULE="${PYHYGIENE_NODE_E2E_MODULE:-$DIST_MODULE}"
T0=$(now_ms)
timed() { local t; t=$(now_ms); "$@"; printf 'node-e2e: %-60s %s\n' "$*" "$(fmt_ms "$t")"; }

cd "$REPO_ROOT"
timed bash "$E2E_DIR/bin/cluster-up.sh"
timed bash "$E2E_DIR/bin/images.sh"
trap 'bash "$E2E_DIR/bin/uninstall.sh" || true' EXIT
timed bash "$E2E_DIR/bin/install.sh"
timed mvn -B -q -pl "$TEST_MODULE" -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test='*E2E' -Dfailsafe.failIfNoSpecifiedTests=false
echo "node-e2e: done in $(fmt_ms "$T0") (results: docs/ground-truth.md)"
