#!/usr/bin/env python3
"""Reduce rendered Kubernetes manifests to the facts pyhygiene's rules read.

Usage: reduce.py RENDERED.yaml [...] > facts.yaml

Keeps, per workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod): kind, name,
pod labels, pod securityContext, terminationGracePeriodSeconds, shareProcessNamespace, and
per container: name, image, command, args, env (names; values only where a rule reads them),
envFrom, ports, resources, probes, lifecycle, securityContext, tty. Per Service: name,
type, selector, ports. Everything else (ConfigMaps, Secrets, RBAC, annotations,
volumes, init containers) is dropped.

Env values: a rule-relevant name keeps its value (debug switches, PYTHON*, worker counts,
GUNICORN_CMD_ARGS, ...). A name that looks like a secret keeps a literal value only as an
obviously fake one, so plaintext-secret-env behaves as on the real chart without a real
secret in the corpus. Every other literal value becomes "v" (non-empty, so presence-based
rules behave the same). valueFrom/envFrom keep their reference (names of Secrets and keys
are not secret values).

The output is a starting point: each fixture is then read and edited by hand (comments,
sources, corrections), so it is not re-generated blindly.
"""
import re
import sys

import yaml

WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"}
KEEP_VALUE = re.compile(
    r"^(PYTHON\w*|DEBUG|\w*_DEBUG|FLASK_\w+|DJANGO_SETTINGS_MODULE|DJANGO_DEBUG|"
    r"WEB_CONCURRENCY|GUNICORN_\w+|\w*WORKERS?\w*|\w*CONCURRENCY\w*|\w*_TIMEOUT|"
    r"\w*GRACEFUL\w*|UWSGI_\w+|DUMB_INIT_\w+|CELERY_\w+|\w*LOG_LEVEL|\w*LOGLEVEL|TZ|HOME|PATH|PORT|"
    r"\w*_PORT|\w*MODE|\w*ENV|\w*ENVIRONMENT|\w*TTY\w*|\w*UNBUFFERED\w*)$",
    re.I,
)
SECRETISH = re.compile(
    r"(^|[_.-])(password|passwd|secret|token|api_?key|apikey|private_?key|access_?key|"
    r"credentials?|bearer|dsn|key)([_.-]|$)",
    re.I,
)
DSN_WITH_PASSWORD = re.compile(r"://[^/@\s]*:[^/@\s]+@")


def fake_env(e):
    out = {"name": e["name"]}
    if "valueFrom" in e:
        out["valueFrom"] = e["valueFrom"]
        return out
    if "value" not in e:
        return out
    value = e.get("value")
    if value is None:
        return out
    value = str(value)
    name = e["name"]
    if SECRETISH.search(name) and not name.upper().endswith("_FILE"):
        out["value"] = "fake-corpus-value"
    elif DSN_WITH_PASSWORD.search(value):
        out["value"] = "scheme://corpus:fake-password@db.invalid/x"
    elif "PRIVATE KEY" in value:
        out["value"] = "-----BEGIN PRIVATE KEY-----\nfake\n-----END PRIVATE KEY-----"
    elif KEEP_VALUE.match(name):
        out["value"] = value
    else:
        out["value"] = "v" if value != "" else ""
    return out


CONTAINER_KEYS = ["name", "image", "command", "args", "workingDir", "env", "envFrom",
                  "ports", "resources", "readinessProbe", "livenessProbe", "startupProbe",
                  "lifecycle", "securityContext", "tty", "stdin"]
POD_KEYS = ["terminationGracePeriodSeconds", "shareProcessNamespace", "securityContext",
            "hostNetwork", "hostPID"]


def container(c):
    out = {}
    for k in CONTAINER_KEYS:
        if k in c and c[k] not in (None, [], {}):
            out[k] = [fake_env(e) for e in c[k]] if k == "env" else c[k]
    return out


def pod_spec(spec):
    out = {}
    for k in POD_KEYS:
        if k in spec and spec[k] not in (None, {}):
            out[k] = spec[k]
    out["containers"] = [container(c) for c in spec.get("containers", [])]
    return out


def template(t):
    labels = (t.get("metadata") or {}).get("labels") or {}
    return {"metadata": {"labels": labels}, "spec": pod_spec(t.get("spec") or {})}


def reduce_doc(d):
    kind = d.get("kind")
    meta = d.get("metadata") or {}
    head = {"apiVersion": d.get("apiVersion"), "kind": kind,
            "metadata": {"name": meta.get("name")}}
    spec = d.get("spec") or {}
    if kind == "Service":
        s = {k: spec[k] for k in ("type", "selector", "ports") if k in spec}
        if "ports" in s:
            s["ports"] = [{k: p[k] for k in ("name", "port", "targetPort") if k in p}
                          for p in s["ports"]]
        head["spec"] = s
        return head
    if kind == "Pod":
        head["metadata"]["labels"] = meta.get("labels") or {}
        head["spec"] = pod_spec(spec)
        return head
    if kind == "CronJob":
        jt = spec.get("jobTemplate", {}).get("spec", {})
        head["spec"] = {"schedule": spec.get("schedule"),
                        "jobTemplate": {"spec": {"template": template(jt.get("template", {}))}}}
        return head
    out = {}
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        out["selector"] = spec.get("selector")
        if kind == "StatefulSet":
            out["serviceName"] = spec.get("serviceName")
    out["template"] = template(spec.get("template") or {})
    head["spec"] = out
    return head


def main(paths):
    docs = []
    for p in paths:
        with open(p) as f:
            for d in yaml.safe_load_all(f):
                if isinstance(d, dict) and (d.get("kind") in WORKLOAD_KINDS or d.get("kind") == "Service"):
                    docs.append(reduce_doc(d))
    order = {"Service": 1}
    docs.sort(key=lambda d: (order.get(d["kind"], 0), d["kind"], d["metadata"]["name"]))
    yaml.safe_dump_all(docs, sys.stdout, sort_keys=False, width=1000)


if __name__ == "__main__":
    main(sys.argv[1:])
