# Makefile fragment for the real local control plane; include it from the top-level Makefile:
#   include e2e/e2e.mk
# Targets: tools, cluster-up, cluster-down (WIPE=1 to delete data), cluster-check.
# Paths are relative to this file, so it also works as `make -f e2e/e2e.mk <target>`.

E2E_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

# Prefix for a command that needs the cluster: starts it if it is down and stops it afterwards
# only if it started it, e.g. in the top-level Makefile:  $(WITH_CLUSTER) mvn -B verify
WITH_CLUSTER := bash $(E2E_DIR)/bin/with-cluster.sh

.PHONY: tools cluster-up cluster-down cluster-check

## tools: build or reuse kube-apiserver, kube-controller-manager, kubectl, etcd, helm; install promtool
tools:
	bash $(E2E_DIR)/bin/tools.sh

## cluster-up: start etcd + kube-apiserver + kube-controller-manager on 127.0.0.1 (idempotent)
cluster-up: tools
	bash $(E2E_DIR)/bin/cluster-up.sh

## cluster-down: stop the cluster started by cluster-up (WIPE=1 also deletes its data)
cluster-down:
	bash $(E2E_DIR)/bin/cluster-down.sh

## cluster-check: check that cluster-up, cluster-up, cluster-down is idempotent, leaves no strays
cluster-check: tools
	bash $(E2E_DIR)/bin/cluster-check.sh
