#!/usr/bin/env python3
"""Deterministic input for the offline peer comparison.

Writes N varied Python Deployments (about half pass every pyhygiene rule, the other half carry
one to three seeded defects, and every offline rule is some Deployment's defect) plus one
Service per 50 Deployments, twice: as one multi-document file and as a directory with one file
per object (and one Service for each Deployment seeded with a defect only a served container
has: Services in the input decide which containers serve). Also writes the PythonHygienePolicy the pyhygiene run uses (memory bounds, so that
memory-limit-out-of-bounds can fire) and expected.json: for every Deployment, the rules its
defects must trigger (the harness checks pyhygiene's report against it).

    generate.py --count 1000 --seed 14 --out DIR
      DIR/deployments.yaml      every object, one YAML stream
      DIR/tree/*.yaml           the same objects, one file each
      DIR/policy.yaml           the policy for `pyhygiene audit --policy`
      DIR/expected.json         {"namespace/name": ["rule", ...]} ([] for a good one)

The output depends only on --count and --seed (random.Random with an integer seed is stable
across CPython 3 versions), and is written in a fixed order, so two runs give identical bytes.
Rules that need cluster evidence (shutdown-sigkilled, oom-killed, remediation-conflict) cannot
fire offline and are not represented.
"""
import argparse
import json
import random
import shutil
from pathlib import Path

NAMESPACES = [f"team-{i:02d}" for i in range(20)]
SERVICES_EVERY = 50

# Servers a good Deployment may run. Each passes grace-budget with terminationGracePeriodSeconds
# 40 and a 5 s preStop (5 + drain + 5 s margin <= 40) and worker-memory with a 512Mi limit at the
# default 128Mi per worker.
SERVERS = {
    "uvicorn": ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000",
                "--workers", "2", "--timeout-graceful-shutdown", "20"],
    "gunicorn": ["gunicorn", "app.wsgi:application", "--bind", "0.0.0.0:8000",
                 "--workers", "3", "--graceful-timeout", "20"],
    "gunicorn-sh": ["sh", "-c",
                    "cd /srv && exec gunicorn app.wsgi:application --bind 0.0.0.0:8000 -w 2"
                    " --graceful-timeout 25"],
    "hypercorn": ["hypercorn", "app.asgi:app", "--bind", "0.0.0.0:8000", "--graceful-timeout", "15"],
    # --time-limit bounds the warm shutdown (without it grace-budget fires: the drain is unbounded)
    "celery": ["celery", "-A", "app", "worker", "--loglevel", "INFO", "--concurrency", "2",
               "--time-limit", "25"],
}
SERVING = {"uvicorn", "gunicorn", "gunicorn-sh", "hypercorn"}
WORDS = ["orders", "billing", "search", "users", "catalog", "payments", "reports", "media",
         "notify", "auth", "inventory", "shipping", "pricing", "reviews", "ledger", "feeds"]


def good_deployment(rng, i, kinds=None):
    """A Deployment that passes every pyhygiene rule (checked by the harness on every run)."""
    kind = rng.choice(sorted(kinds or SERVERS))
    name = f"{rng.choice(WORDS)}-{kind.split('-')[0]}-{i:05d}"
    ns = NAMESPACES[i % len(NAMESPACES)]
    labels = {"app": name, "tier": "web" if kind in SERVING else "worker"}
    env = [{"name": "PYTHONUNBUFFERED", "value": "1"},
           {"name": "APP_ENV", "value": rng.choice(["prod", "staging"])}]
    for k in range(rng.randrange(0, 4)):
        env.append({"name": f"FEATURE_{k}", "value": rng.choice(["on", "off"])})
    if rng.random() < 0.3:
        env.append({"name": "DATABASE_PASSWORD",
                    "valueFrom": {"secretKeyRef": {"name": f"{name}-db", "key": "password"}}})
    app = {
        "name": "app",
        "image": f"ghcr.io/acme/{name.rsplit('-', 1)[0]}:{rng.randrange(1, 4)}.{rng.randrange(0, 20)}.{rng.randrange(0, 9)}",
        "imagePullPolicy": "Always",
        "command": list(SERVERS[kind]),
        "env": env,
        "resources": {"requests": {"cpu": f"{rng.choice([100, 250, 500])}m", "memory": "384Mi",
                                   "ephemeral-storage": "100Mi"},
                      "limits": {"cpu": "1", "memory": "512Mi", "ephemeral-storage": "200Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
                            "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    if kind in SERVING:
        app["ports"] = [{"name": "http", "containerPort": 8000}]
        app["readinessProbe"] = {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5}
        app["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": "http"},
                                "periodSeconds": 10, "failureThreshold": 3}
        app["lifecycle"] = {"preStop": rng.choice([
            {"sleep": {"seconds": 5}}, {"exec": {"command": ["sleep", "5"]}}])}
    containers = [app]
    if rng.random() < 0.25:
        containers.append({
            "name": "metrics",
            "image": "quay.io/prometheus/statsd-exporter:v0.26.1",
            "imagePullPolicy": "Always",
            "args": ["--statsd.listen-udp=:9125"],
            "resources": {"requests": {"cpu": "20m", "memory": "32Mi", "ephemeral-storage": "10Mi"},
                          "limits": {"cpu": "100m", "memory": "64Mi", "ephemeral-storage": "20Mi"}},
            "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                "runAsNonRoot": True, "runAsUser": 10002, "runAsGroup": 10002,
                                "capabilities": {"drop": ["ALL"]}},
        })
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": dict(labels)},
        "spec": {
            "replicas": rng.choice([2, 3, 4]),
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "terminationGracePeriodSeconds": 40,
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001,
                                        "runAsGroup": 10001, "fsGroup": 10001,
                                        "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": containers,
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }, kind


def _app(d):
    return d["spec"]["template"]["spec"]["containers"][0]


def _pod(d):
    return d["spec"]["template"]["spec"]


def _env(d, name, value):
    _app(d)["env"].append({"name": name, "value": value})


def _image(d, image):
    _app(d)["image"] = image


# Defects: rule id -> (applies to this server kind?, mutation). Each mutation makes exactly its
# rule fire on a good Deployment (others may fire too: the harness checks "at least these").
def _shell_wrapper(d, rng):
    _app(d)["command"] = ["sh", "-c", "python manage.py migrate && gunicorn app.wsgi:application"
                          " --bind 0.0.0.0:8000 -w 2 --graceful-timeout 20"]


def _python_pid1(d, rng):
    _app(d)["command"] = rng.choice([["python", "worker.py"], ["python3", "consume.py"],
                                     ["python", "-m", "app.jobs"]])


def _command_unknown(d, rng):
    app = _app(d)
    del app["command"]
    app["image"] = f"ghcr.io/acme/python-{d['metadata']['name']}:1.0.{rng.randrange(9)}"


def _run_as_root(d, rng):
    if rng.random() < 0.5:
        _pod(d)["securityContext"]["runAsUser"] = 0
        _pod(d)["securityContext"].pop("runAsNonRoot")
        _app(d)["securityContext"].pop("runAsNonRoot")
        _app(d)["securityContext"].pop("runAsUser")
    else:
        for sc in (_pod(d)["securityContext"], _app(d)["securityContext"]):
            sc.pop("runAsNonRoot")
            sc.pop("runAsUser")


def _privileged(d, rng):
    _app(d)["securityContext"]["privileged"] = True
    _app(d)["securityContext"]["allowPrivilegeEscalation"] = True


def _privilege_escalation(d, rng):
    if rng.random() < 0.5:
        _app(d)["securityContext"]["allowPrivilegeEscalation"] = True
    else:
        del _app(d)["securityContext"]["allowPrivilegeEscalation"]


def _capabilities(d, rng):
    _app(d)["securityContext"]["capabilities"] = rng.choice(
        [{"drop": ["NET_RAW", "SYS_ADMIN"]}, {"add": ["NET_ADMIN"]}])


def _writable_root(d, rng):
    _app(d)["securityContext"]["readOnlyRootFilesystem"] = False


def _seccomp(d, rng):
    if rng.random() < 0.5:
        del _pod(d)["securityContext"]["seccompProfile"]
    else:
        _pod(d)["securityContext"]["seccompProfile"] = {"type": "Unconfined"}


def _memory_limit_missing(d, rng):
    del _app(d)["resources"]["limits"]["memory"]


def _memory_request_missing(d, rng):
    del _app(d)["resources"]["limits"]["memory"]
    del _app(d)["resources"]["requests"]["memory"]


def _memory_out_of_bounds(d, rng):
    _app(d)["resources"]["requests"]["memory"] = "4Gi"
    _app(d)["resources"]["limits"]["memory"] = rng.choice(["4Gi", "6Gi"])


def _worker_memory(d, rng):
    _app(d)["command"] = ["gunicorn", "app.wsgi:application", "--bind", "0.0.0.0:8000",
                          "--workers", str(rng.choice([8, 12, 16])), "--graceful-timeout", "20"]


def _grace_budget(d, rng):
    _pod(d)["terminationGracePeriodSeconds"] = rng.choice([10, 15, 20])


def _prestop_missing(d, rng):
    del _app(d)["lifecycle"]


def _readiness_missing(d, rng):
    del _app(d)["readinessProbe"]


def _unbuffered(d, rng):
    _app(d)["env"] = [e for e in _app(d)["env"] if e["name"] != "PYTHONUNBUFFERED"]


def _tag_mutable(d, rng):
    image = _app(d)["image"].rsplit(":", 1)[0]
    _image(d, rng.choice([image + ":latest", image, "registry.acme.internal:5000/"
                          + image.rsplit("/", 1)[1]]))


def _alpine(d, rng):
    _image(d, rng.choice(["python:3.12-alpine", "python:3.13-alpine3.20"]))


def _eol(d, rng):
    _image(d, rng.choice(["python:3.9-slim", "python:3.8.18-slim-bookworm", "python:3.7"]))


def _debug(d, rng):
    if rng.random() < 0.5:
        _env(d, rng.choice(["DJANGO_DEBUG", "FLASK_DEBUG", "DEBUG"]), rng.choice(["True", "1", "yes"]))
    else:
        _app(d)["command"] = _app(d)["command"] + ["--reload"]


def _secret(d, rng):
    if rng.random() < 0.5:
        _env(d, rng.choice(["DB_PASSWORD", "STRIPE_API_KEY", "GITHUB_TOKEN"]),
             "example-not-a-real-secret")
    else:
        _env(d, "DATABASE_URL", "postgres://app:example-not-real@db.internal:5432/app")


def _exempt_no_reason(d, rng):
    d["metadata"]["annotations"] = {"pyhygiene.io/exempt": "writable-root-fs"}


def _exempt_unknown(d, rng):
    d["metadata"]["annotations"] = {"pyhygiene.io/exempt": "run-as-rooot",
                                    "pyhygiene.io/exempt-reason": "legacy image, PLAT-1234"}


ANY = None
DEFECTS = {
    "shell-wrapper": (ANY, _shell_wrapper),
    "python-pid1": (ANY, _python_pid1),
    "command-unknown": (ANY, _command_unknown),
    "run-as-root": (ANY, _run_as_root),
    "privileged": (ANY, _privileged),
    "privilege-escalation": (ANY, _privilege_escalation),
    "capabilities-not-dropped": (ANY, _capabilities),
    "writable-root-fs": (ANY, _writable_root),
    "seccomp-unset": (ANY, _seccomp),
    "memory-limit-missing": (ANY, _memory_limit_missing),
    "memory-request-missing": (ANY, _memory_request_missing),
    "memory-limit-out-of-bounds": (ANY, _memory_out_of_bounds),
    "worker-memory": (SERVING, _worker_memory),
    "grace-budget": ({"gunicorn", "gunicorn-sh"}, _grace_budget),
    "prestop-missing": (SERVING, _prestop_missing),
    "readiness-probe-missing": (SERVING, _readiness_missing),
    "python-unbuffered": (ANY, _unbuffered),
    "image-tag-mutable": (ANY, _tag_mutable),
    "alpine-python": (ANY, _alpine),
    "python-eol": (ANY, _eol),
    "debug-enabled": ({"uvicorn", "gunicorn"}, _debug),
    "plaintext-secret-env": (ANY, _secret),
    "exemption-reason-missing": (ANY, _exempt_no_reason),
    "exemption-unknown-rule": (ANY, _exempt_unknown),
}
# Rules that fire only on a container a Service serves (when the input has Services at all).
SERVED_ONLY = {rule for rule, (kinds, _) in DEFECTS.items() if kinds == SERVING}
# Pairs that would hide or change one another's finding: never on the same Deployment.
CONFLICTS = [
    {"shell-wrapper", "python-pid1", "command-unknown", "worker-memory", "debug-enabled",
     "grace-budget"},
    {"memory-limit-missing", "memory-request-missing", "memory-limit-out-of-bounds",
     "worker-memory"},
    {"image-tag-mutable", "alpine-python", "python-eol", "command-unknown"},
    {"shell-wrapper", "alpine-python"},  # Alpine's sh (busybox ash) execs the final command
    {"run-as-root", "privileged"},
    {"privileged", "privilege-escalation"},
    {"exemption-reason-missing", "exemption-unknown-rule", "writable-root-fs"},
    {"python-unbuffered", "command-unknown"},
]

POLICY = """apiVersion: pyhygiene.io/v1alpha1
kind: PythonHygienePolicy
metadata: {name: bench}
spec:
  memory: {min: 32Mi, max: 2Gi}
"""


def _compatible(rule, chosen):
    return all(not (rule in group and chosen & group) for group in CONFLICTS)


def generate(count, seed):
    """Yields (object, expected rules or None for a Service) in output order."""
    rng = random.Random(seed)
    order = sorted(DEFECTS)
    bad_index = 0
    deployments = []
    for i in range(count):
        if i % 2 == 0:  # half good
            d, _ = good_deployment(rng, i)
            expected = []
        else:  # half bad: the first defect cycles through every rule, up to two more at random
            first = order[bad_index % len(order)]
            bad_index += 1
            d, kind = good_deployment(rng, i, DEFECTS[first][0])
            chosen = set()
            for rule in [first] + [rng.choice(order) for _ in range(rng.randrange(0, 3))]:
                kinds, mutate = DEFECTS[rule]
                if rule in chosen or (kinds is not None and kind not in kinds):
                    continue
                if not _compatible(rule, chosen):
                    continue
                mutate(d, rng)
                chosen.add(rule)
            expected = sorted(chosen)
        deployments.append((d, expected))
        yield d, expected
        served = None
        if SERVED_ONLY & set(expected):
            # Services in the input decide which containers serve: a defect only a served
            # container has needs a Service selecting its Deployment
            served = d
            yield _service(d), None
        if (i + 1) % SERVICES_EVERY == 0:
            target = next(x for x, _ in reversed(deployments) if "ports" in _app(x))
            if target is not served:
                yield _service(target), None


def _service(target):
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": target["metadata"]["name"],
                     "namespace": target["metadata"]["namespace"]},
        "spec": {"selector": {"app": target["metadata"]["name"]},
                 "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
    }


def to_yaml(obj, indent=0):
    """Block-style YAML for the JSON-like values above (no library: the generator has no deps)."""
    pad = "  " * indent
    lines = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{k}:")
                lines.append(to_yaml(v, indent + 1))
            else:
                lines.append(f"{pad}{k}: {_scalar(v)}")
    else:
        for v in obj:
            if isinstance(v, (dict, list)) and v:
                inner = to_yaml(v, indent + 1)
                lines.append(f"{pad}- " + inner[len(pad) + 2:])
            else:
                lines.append(f"{pad}- {_scalar(v)}")
    return "\n".join(lines)


def _scalar(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if v == {}:
        return "{}"
    if v == []:
        return "[]"
    return json.dumps(v)  # a JSON string is a valid YAML double-quoted scalar


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    out = args.out
    tree = out / "tree"
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    expected = {}
    services = 0
    with open(out / "deployments.yaml", "w") as stream:
        for n, (obj, rules) in enumerate(generate(args.count, args.seed)):
            text = to_yaml(obj) + "\n"
            stream.write("---\n" + text)
            meta = obj["metadata"]
            kind = obj["kind"].lower()
            (tree / f"{n:05d}-{kind}-{meta['name']}.yaml").write_text(text)
            if rules is not None:
                expected[f"{meta['namespace']}/{meta['name']}"] = rules
            else:
                services += 1
    (out / "policy.yaml").write_text(POLICY)
    (out / "expected.json").write_text(json.dumps(expected, indent=0, sort_keys=True) + "\n")
    print(f"{args.count} Deployments ({sum(1 for r in expected.values() if r)} with defects),"
          f" {services} Services -> {out}")


if __name__ == "__main__":
    main()
