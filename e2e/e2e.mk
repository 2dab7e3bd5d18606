# Makefile fragment for the real local control plane; include it from the top-level Makefile:
#   include e2e/e2e.mk
# Targets: tools, cluster-up, cluster-down (WIPE=1 to delete data), cluster-check.
# Paths are relative to this file, so it also works as `make -f e2e/e2e.mk <target>`.

E2E_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

# Prefix for a command that needs the cluster: starts it if it is down and stops it afterwards
# only if it started it, e.g. in the top-level Makefile:  $(WITH_CLUSTER) mvn -B verify
WITH_CLUSTER := bash $(E2E_DIR)/bin/with-cluster.sh

.PHONY: tools cluster-up cluster-down cluster-check images install uninstall node-e2e

## tools: build or reuse the cluster's binaries (control plane, kubelet, containerd, runc, CNI, crane, helm)
tools:
	bash $(E2E_DIR)/bin/tools.sh

## cluster-up: start the control plane and its node (registry, containerd, kubelet, kube-proxy) (idempotent)
cluster-up: tools
	bash $(E2E_DIR)/bin/cluster-up.sh

## images: build (or reuse) and push pause, the Debian bases, the examples and the operator to localhost:5000
images:
	bash $(E2E_DIR)/bin/images.sh

## install: helm upgrade --install the chart with the local image; both replicas Ready, webhook, Prometheus
install:
	bash $(E2E_DIR)/bin/install.sh

## uninstall: helm uninstall pyhygiene (the chart's policy and webhook go too; CRDs stay)
uninstall:
	bash $(E2E_DIR)/bin/uninstall.sh

## node-e2e: images, install, the six shutdown cases on the node (ShutdownOnNodeE2E) -> docs/ground-truth.md
node-e2e:
	bash $(E2E_DIR)/bin/node-e2e.sh

## cluster-down: stop the cluster started by cluster-up (WIPE=1 also deletes its data)
cluster-down:
	bash $(E2E_DIR)/bin/cluster-down.sh

## cluster-check: check that cluster-up, cluster-up, cluster-down is idempotent, leaves no strays
cluster-check: tools
	bash $(E2E_DIR)/bin/cluster-check.sh
