#!/usr/bin/env python3
"""Check the corpus: every workload container in manifests.yaml has a judgement in
expected.yaml (and nothing else does), values follow the schema in corpus/README.md,
every image used has an entry in image-facts.yaml, and literal env values of secret-like
names are the corpus's fake ones. Prints per-app counts; exits 1 on a problem.

Usage: check.py [corpus-dir]
"""
import os
import re
import sys

import yaml

RULES = {"shell-wrapper", "python-pid1", "command-unknown", "grace-budget", "worker-memory",
         "python-unbuffered", "python-eol", "alpine-python", "debug-enabled", "prestop-missing",
         "readiness-probe-missing", "run-as-root", "image-tag-mutable"}
VERDICTS = {"fire", "silent", "error", "warning"}
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"}
SECRETISH = re.compile(r"(^|[_.-])(password|passwd|secret|token|api_?key|apikey|private_?key|"
                       r"access_?key|credentials?|bearer)([_.-]|$)", re.I)
FAKE = {"fake-corpus-value", "scheme://corpus:fake-password@db.invalid/x"}


def pod_spec(doc):
    spec = doc.get("spec") or {}
    if doc["kind"] == "Pod":
        return spec
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def check_app(path, problems):
    app = os.path.basename(path)
    with open(os.path.join(path, "manifests.yaml")) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    with open(os.path.join(path, "expected.yaml")) as f:
        expected = yaml.safe_load(f)
    with open(os.path.join(path, "image-facts.yaml")) as f:
        facts = yaml.safe_load(f)
    images = {i["image"] for i in facts.get("images", [])}
    have = {}
    for d in docs:
        if d["kind"] not in WORKLOADS:
            continue
        for c in pod_spec(d).get("containers", []):
            have[(d["kind"], d["metadata"]["name"], c["name"])] = c
            if c.get("image") not in images:
                problems.append(f"{app}: image {c.get('image')} has no image-facts entry")
            for e in c.get("env") or []:
                if "value" in e and SECRETISH.search(e["name"]) and not e["name"].upper().endswith("_FILE") \
                        and str(e["value"]) not in FAKE and e["value"] not in ("", None):
                    problems.append(f"{app}: {d['metadata']['name']}/{c['name']} env {e['name']} has a non-fake literal value")
    judged = {}
    for w in expected["workloads"]:
        for c in w["containers"]:
            key = (w["kind"], w["name"], c["name"])
            judged[key] = c
            if not isinstance(c.get("python"), bool):
                problems.append(f"{app}: {key} python must be true or false")
            if not c.get("why"):
                problems.append(f"{app}: {key} needs a why")
            if c.get("python") and c.get("evidence") not in ("manifest", "image"):
                problems.append(f"{app}: {key} evidence must be manifest or image")
            for rule, j in (c.get("rules") or {}).items():
                if rule not in RULES:
                    problems.append(f"{app}: {key} unknown rule {rule}")
                if j.get("expect") not in VERDICTS or j.get("with_image", "fire") not in VERDICTS or not j.get("why"):
                    problems.append(f"{app}: {key} {rule}: bad judgement {j}")
    for k in have.keys() - judged.keys():
        problems.append(f"{app}: no judgement for {k}")
    for k in judged.keys() - have.keys():
        problems.append(f"{app}: judged but not in manifests: {k}")
    py = [k for k, c in judged.items() if c.get("python")]
    kinds = {}
    for k, c in judged.items():
        kinds.setdefault(k[0], [0, 0])[0 if c.get("python") else 1] += 1
    by_kind = ", ".join(f"{kind} {p}/{n}" for kind, (p, n) in sorted(kinds.items()))
    print(f"{app:20s} containers {len(judged):3d}  python {len(py):3d}  "
          f"(manifest-visible {sum(1 for k in py if judged[k].get('evidence') == 'manifest')})  "
          f"by kind python/other: {by_kind}")
    return len(judged), len(py)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems = []
    total = [0, 0]
    for name in sorted(os.listdir(root)):
        p = os.path.join(root, name)
        if os.path.isfile(os.path.join(p, "manifests.yaml")):
            n, py = check_app(p, problems)
            total[0] += n
            total[1] += py
    print(f"total containers {total[0]}, python {total[1]}")
    for p in problems:
        print("PROBLEM:", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
