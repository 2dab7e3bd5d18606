# pyhygiene: one build (`mvn -B verify`), wrapped with what it needs on a fresh machine.
# `make help` lists the targets.

SHELL := /bin/bash
MVN ?= mvn -B -q
# DIST_MODULE and DIST_JAR: the Maven module that packages pyhygiene and its jar (one place).
include build.env
JAR := $(DIST_JAR)
# Pinned so the examples' verdicts (python-eol) do not change with the calendar.
EXAMPLES_NOW ?= 2026-11-25

include e2e/e2e.mk

.DEFAULT_GOAL := help
.PHONY: format help build test unit-test test-deps drift-check chart-test audit-examples docs crds demo demo-down e2e bench faults kubectl-plugin shellcheck

## help: list the targets
help:
	@grep -hE '^## ' $(MAKEFILE_LIST) | sed 's/^## /  make /'

## build: compile, regenerate crds/ and docs/rules.md, package the jar (DIST_JAR in build.env) and the CLI's class-data archive (bin/pyhygiene uses it)
build:
	$(MVN) package -DskipTests
	bash scripts/cds.sh $(JAR)

# Rebuilt when a source or a pom is newer than the jar.
$(JAR): $(wildcard pom.xml */pom.xml) $(shell find core/src/main registry/src/main cli/src/main operator/src/main $(DIST_MODULE)/src/main -type f)
	$(MVN) package -DskipTests
	bash scripts/cds.sh $(JAR)

## test-deps: install busybox/dash and a Python venv with gunicorn and uvicorn (for ground truth)
test-deps:
	bash scripts/test-deps.sh

## unit-test: the fast tests only (no control plane)
unit-test: test-deps
	$(MVN) test

# The fault suite's bounded subset (the fault-subset tag: bad input with 5,000 mutated specs,
# oversized specs, secrets, the webhook unreachable and slow) runs inside make test's own mvn
# verify, its cluster case on make test's cluster (the faults.* properties point there: the
# suite's own control plane is make faults'); docs/reliability.md stays the whole suite's.
FAULT_SUBSET := -Dfaults.skip=false -Dfaults.groups=fault-subset -Dfaults.fuzzSpecs=5000 -Dfaults.writeDocument=false \
  -Dfaults.work=$${PYHYGIENE_E2E_WORK:-$(CURDIR)/e2e/.work} -Dfaults.etcdPort=$${PYHYGIENE_ETCD_PORT:-23790} \
  -Dfaults.etcdPeerPort=$${PYHYGIENE_ETCD_PEER_PORT:-23800} -Dfaults.apiserverPort=$${PYHYGIENE_APISERVER_PORT:-16443} \
  -Dfaults.kcmPort=$${PYHYGIENE_KCM_PORT:-16444}

## test: everything CI runs: unit, ground-truth, real-cluster ITs, chart tests, the node cases (node-e2e), the fault subset, e2e, cluster check, drift check
test: test-deps tools
	$(WITH_CLUSTER) bash -c '$(MVN) verify $(FAULT_SUBSET) && bash scripts/chart-test.sh && bash e2e/bin/node-e2e.sh && bash e2e/bin/e2e.sh'
	$(MAKE) --no-print-directory cluster-check
	$(MAKE) --no-print-directory shellcheck
	$(MAKE) --no-print-directory drift-check

## chart-test: helm lint, server-side dry run of the rendered chart, promtool rule tests, self-audit
chart-test: tools $(JAR)
	$(WITH_CLUSTER) bash scripts/chart-test.sh

GENERATED := crds docs/rules.md docs/real-world.md helm/pyhygiene/crds helm/pyhygiene/files/wgpolicyk8s.io_policyreports.yaml

## drift-check: fail when generated files (CRDs, their chart copies, docs/rules.md, docs/real-world.md) differ from the build
drift-check:
	@if ! git diff --quiet -- $(GENERATED) || [ -n "$$(git ls-files --others --exclude-standard $(GENERATED))" ]; then \
	  echo "Generated files drifted: run 'make build' and commit $(GENERATED)."; \
	  git --no-pager diff --stat -- $(GENERATED); git ls-files --others --exclude-standard $(GENERATED); exit 1; \
	fi
	@echo "drift-check: $(GENERATED) match the build"

## audit-examples: audit examples/ with the CLI (text report)
audit-examples: $(JAR)
	java -jar $(JAR) audit -f examples --now $(EXAMPLES_NOW) --fail-on never

PREFIX ?= $(HOME)/.local

## kubectl-plugin: install kubectl-pyhygiene and the jar under PREFIX (default ~/.local), for `kubectl pyhygiene audit --cluster -A`
kubectl-plugin: $(JAR)
	bash scripts/install-kubectl-plugin.sh $(PREFIX)

## docs: regenerate docs/rules.md from the rule catalogue
docs:
	$(MVN) process-classes

## crds: regenerate crds/ from the Java API classes
crds:
	$(MVN) process-classes

## e2e: end to end through the chart-installed operator on the node: images, helm install, leader election, verdicts, admission through the Service, audit log, Prometheus alerts, clean stop and fail-open
e2e: tools $(JAR)
	bash e2e/bin/e2e.sh

## demo: the cluster and its node, images, the chart (operator pods), the example services running; show what it does
demo:
	bash e2e/bin/demo.sh

## demo-down: remove what make demo left running (WIPE=1 also deletes the cluster's data)
demo-down:
	bash e2e/bin/demo-down.sh

# Scripts with a shebang are checked; the libraries they source (cluster-env.sh, node-lib.sh,
# operator-lib.sh: no shebang) are checked through them (-x and `# shellcheck source=`
# directives; .shellcheckrc), where the variables they define are used.
SHELL_SCRIPTS = $(sort $(shell grep -l '^\#!' e2e/bin/*.sh e2e/*/*.sh scripts/*.sh))

## format: format every Java source with google-java-format (the style gate of make test checks it)
format:
	$(MVN) spotless:apply

## shellcheck: every shell script of e2e/ and scripts/ (installs shellcheck with apt if missing)
shellcheck:
	@command -v shellcheck >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; }
	shellcheck -x $(SHELL_SCRIPTS)
	@echo "shellcheck: $(words $(SHELL_SCRIPTS)) scripts clean"

## faults: the fault suite on a control plane of its own (ports 27790/27800/19443/19444) -> docs/reliability.md
faults:
	bash scripts/faults.sh

## bench: issue 14's benchmarks (peers offline, cold audit vs floor, idempotence, event->verdict, memory by JVM, webhook at 200/s) plus engine and CLI at 10,000 Deployments -> docs/benchmarks.md and its PNG charts (BENCH_DEPLOYMENTS=2000 for CI size)
bench:
	bash scripts/bench.sh
