#!/usr/bin/env python3
"""Compare the engine's JSON audit of each corpus app with expected.yaml.

Usage: compare.py CORPUS_DIR RESULTS_DIR
  RESULTS_DIR holds <app>.json, the output of
  `java -jar pyhygiene.jar audit -f corpus/<app>/manifests.yaml -o json --now 2026-12-02 --fail-on never`.

Judged against `expect` (the manifest-only verdict; the CLI has no image resolution). Prints a
markdown table per app and the list of disagreements on the Python rules:
  wrong-fire  the engine fired a rule the judgement says is silent
  missed      the judgement says fire, the engine did not (only for workload kinds it audits)
  severity    run-as-root fired with a severity other than the judged one
"""
import json
import os
import sys

import yaml

PY_RULES = {"shell-wrapper", "python-pid1", "command-unknown", "grace-budget", "worker-memory",
            "python-unbuffered", "python-eol", "alpine-python", "debug-enabled", "prestop-missing",
            "readiness-probe-missing", "run-as-root", "image-tag-mutable"}
PY_ONLY = PY_RULES - {"run-as-root", "image-tag-mutable", "prestop-missing", "readiness-probe-missing"}


def main(corpus, results):
    rows, issues = [], []
    tot = dict(wl=0, pyw=0, pyw_dep=0, rec=0, fp=0, pyf=0, jf=0, hit=0, wrong=0, missed=0)
    for app in sorted(os.listdir(corpus)):
        exp_path = os.path.join(corpus, app, "expected.yaml")
        res_path = os.path.join(results, app + ".json")
        if not os.path.isfile(exp_path) or not os.path.isfile(res_path):
            continue
        exp = yaml.safe_load(open(exp_path))
        res = json.load(open(res_path))
        audited = {(w["kind"], w["name"]): w for w in res["workloads"]}
        audited_kinds = {w["kind"] for w in res["workloads"]}
        n = dict(wl=0, pyw=0, pyw_dep=0, rec=0, fp=0, pyf=0, jf=0, hit=0, wrong=0, missed=0)
        for w in exp["workloads"]:
            n["wl"] += 1
            is_py = any(c["python"] for c in w["containers"])
            got = audited.get((w["kind"], w["name"]))
            if is_py:
                n["pyw"] += 1
                if w["kind"] == "Deployment":
                    n["pyw_dep"] += 1
                if got and got["python"]:
                    n["rec"] += 1
            elif got and got["python"]:
                n["fp"] += 1
                issues.append(f"| {app} | {w['kind']}/{w['name']} | (workload) | recognised as Python | no container runs Python |")
            if w["kind"] in audited_kinds or w["kind"] == "Deployment":
                for c in w["containers"]:
                    for r, j in (c.get("rules") or {}).items():
                        if c["python"] and j["expect"] != "silent":
                            n["jf"] += 1
            if not got or not got["python"]:
                continue
            by_container = {}
            for f in got["findings"]:
                by_container.setdefault(f["container"], {})[f["rule"]] = f
            for c in w["containers"]:
                fired = by_container.get(c["name"], {})
                n["pyf"] += sum(1 for r in fired if r in PY_ONLY)
                if not c["python"]:
                    for r in sorted(set(fired) & PY_ONLY):
                        n["wrong"] += 1
                        issues.append(f"| {app} | {w['kind']}/{w['name']} | {c['name']} | `{r}` fired | container is not Python: {c['why']} |")
                    continue
                for r, j in (c.get("rules") or {}).items():
                    want = j["expect"]
                    f = fired.get(r)
                    if r == "run-as-root":
                        have = f["severity"] if f else "silent"
                        if have == want and want != "silent":
                            n["hit"] += 1
                        if have != want:
                            n["wrong"] += 1
                            issues.append(f"| {app} | {w['kind']}/{w['name']} | {c['name']} | `run-as-root` {have}, judged {want} | {j['why']} |")
                        continue
                    if f and want == "fire":
                        n["hit"] += 1
                    if f and want == "silent":
                        n["wrong"] += 1
                        issues.append(f"| {app} | {w['kind']}/{w['name']} | {c['name']} | `{r}` fired (wrong) | {j['why']} |")
                    elif not f and want == "fire":
                        n["missed"] += 1
                        issues.append(f"| {app} | {w['kind']}/{w['name']} | {c['name']} | `{r}` missed | {j['why']} |")
        rows.append((app, n))
        for k in tot:
            tot[k] += n[k]
    print("| app | workloads | Python workloads (all kinds) | Python Deployments | recognised | non-Python recognised | Python-specific findings | judged fires (audited kinds) | engine agreed | judged wrong | missed (recognised only) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for app, n in rows + [("**total**", tot)]:
        print(f"| {app} | {n['wl']} | {n['pyw']} | {n['pyw_dep']} | {n['rec']} | {n['fp']} | {n['pyf']} | {n['jf']} | {n['hit']} | {n['wrong']} | {n['missed']} |")
    print()
    print("| app | workload | container | engine | why (judgement) |")
    print("|---|---|---|---|---|")
    for i in issues:
        print(i)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
