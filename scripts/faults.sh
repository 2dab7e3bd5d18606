#!/usr/bin/env bash
# The fault suite (faults/, issue 14) on a control plane of its own: its own work dir and ports,
# so it never meets make test's cluster; the suite starts and SIGKILLs the operator, the CLI and
# (in the cluster cases) etcd and kube-apiserver. Writes docs/reliability.md.
#   bash scripts/faults.sh            every *FaultIT (make faults)
#   bash scripts/faults.sh --subset   the fault-subset tag, fewer mutated specs (make test runs the
#                                     same inside its own mvn verify: FAULT_SUBSET in the Makefile)
# Overridable: PYHYGIENE_E2E_WORK, PYHYGIENE_{ETCD,ETCD_PEER,APISERVER,KCM}_PORT, FAULTS_MVN_ARGS
# (appended last, e.g. FAULTS_MVN_ARGS=-Dit.test=WebhookFaultIT for one case).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PYHYGIENE_NODE=0
export PYHYGIENE_E2E_WORK="${PYHYGIENE_E2E_WORK:-$PWD/e2e/.work-faults}"
export PYHYGIENE_ETCD_PORT="${PYHYGIENE_ETCD_PORT:-27790}"
export PYHYGIENE_ETCD_PEER_PORT="${PYHYGIENE_ETCD_PEER_PORT:-27800}"
export PYHYGIENE_APISERVER_PORT="${PYHYGIENE_APISERVER_PORT:-19443}"
export PYHYGIENE_KCM_PORT="${PYHYGIENE_KCM_PORT:-19444}"

args=(-Dfaults.skip=false "-Dfaults.work=$PYHYGIENE_E2E_WORK"
  "-Dfaults.etcdPort=$PYHYGIENE_ETCD_PORT" "-Dfaults.etcdPeerPort=$PYHYGIENE_ETCD_PEER_PORT"
  "-Dfaults.apiserverPort=$PYHYGIENE_APISERVER_PORT" "-Dfaults.kcmPort=$PYHYGIENE_KCM_PORT"
  -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
  # -am builds the upstream modules through verify too: their own ITs must not run here.
  "-Dit.test=*FaultIT" -Dfailsafe.failIfNoSpecifiedTests=false)
if [[ "${1:-}" == --subset ]]; then
  export FAULTS_RUN="make test (subset)"
  args+=(-Dfaults.groups=fault-subset -Dfaults.fuzzSpecs=5000)
else
  export FAULTS_RUN="make faults"
fi
read -r -a extra <<<"${FAULTS_MVN_ARGS:-}"
# -am: the suite runs dist/target/pyhygiene.jar, packaged in the same build.
bash e2e/bin/with-cluster.sh mvn -B -q -pl faults -am verify "${args[@]}" "${extra[@]}"
