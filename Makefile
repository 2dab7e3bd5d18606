# pyhygiene: one build (`mvn -B verify`), wrapped with what it needs on a fresh machine.
# `make help` lists the targets.

SHELL := /bin/bash
MVN ?= mvn -B -q
JAR := operator/target/pyhygiene.jar
# Pinned so the examples' verdicts (python-eol) do not change with the calendar.
EXAMPLES_NOW ?= 2026-11-25

include e2e/e2e.mk

.DEFAULT_GOAL := help
.PHONY: help build test unit-test test-deps drift-check chart-test audit-examples docs crds demo

## help: list the targets
help:
	@grep -hE '^## ' $(MAKEFILE_LIST) | sed 's/^## /  make /'

## build: compile, regenerate crds/ and docs/rules.md, package operator/target/pyhygiene.jar
build:
	$(MVN) package -DskipTests

$(JAR):
	$(MVN) package -DskipTests

## test-deps: install busybox/dash and a Python venv with gunicorn and uvicorn (for ground truth)
test-deps:
	bash scripts/test-deps.sh

## unit-test: the fast tests only (no control plane)
unit-test: test-deps
	$(MVN) test

## test: everything CI runs: unit, ground-truth and real-cluster tests, cluster check, drift check
test: test-deps tools
	$(WITH_CLUSTER) $(MVN) verify
	$(WITH_CLUSTER) bash scripts/chart-test.sh
	$(MAKE) --no-print-directory cluster-check
	$(MAKE) --no-print-directory drift-check

## chart-test: helm lint, server-side dry run of the rendered chart, promtool rule tests, self-audit
chart-test: tools $(JAR)
	$(WITH_CLUSTER) bash scripts/chart-test.sh

GENERATED := crds docs/rules.md helm/pyhygiene/crds helm/pyhygiene/files/wgpolicyk8s.io_policyreports.yaml

## drift-check: fail when generated files (CRDs, their chart copies, docs/rules.md) differ from the build
drift-check:
	@if ! git diff --quiet -- $(GENERATED) || [ -n "$$(git ls-files --others --exclude-standard $(GENERATED))" ]; then \
	  echo "Generated files drifted: run 'make build' and commit $(GENERATED)."; \
	  git --no-pager diff --stat -- $(GENERATED); git ls-files --others --exclude-standard $(GENERATED); exit 1; \
	fi
	@echo "drift-check: $(GENERATED) match the build"

## audit-examples: audit examples/ with the CLI (text report)
audit-examples: $(JAR)
	java -jar $(JAR) audit -f examples --now $(EXAMPLES_NOW) --fail-on never

## docs: regenerate docs/rules.md from the rule catalogue
docs:
	$(MVN) process-classes

## crds: regenerate crds/ from the Java API classes
crds:
	$(MVN) process-classes

## demo: build, then audit examples/ (a table per Deployment, then the details)
demo: build
	@echo "== pyhygiene audit -f examples -o table"
	@java -jar $(JAR) audit -f examples -o table --now $(EXAMPLES_NOW) --fail-on never
	@echo
	@echo "== details for the failing Deployment"
	@java -jar $(JAR) audit -f examples/gunicorn-sh-c-bad.yaml --now $(EXAMPLES_NOW) --fail-on never
