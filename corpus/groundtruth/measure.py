#!/usr/bin/env python3
"""Ground truth: what known Python programs do with SIGTERM when they are PID 1.

Each case runs one command as PID 1 of a fresh PID namespace (`unshare -p -f --mount-proc`),
waits until it is ready (a port that accepts, or a log line), optionally starts slow
in-flight work (an HTTP request or a task) and waits until that work has started (a log
line), sends SIGTERM to the namespace's PID 1, and records: which program PID 1 is, whether
and when it exits, its exit status, whether the in-flight work completed, and the log lines
that say what happened. A case that has not exited after the bound is SIGKILLed (as the
kubelet would after the grace period). Everything listens on 127.0.0.1 only.

Usage (as root, which unshare -p needs):
    python3 corpus/groundtruth/measure.py [--venv DIR] [--only NAME,...] [--json OUT]
The venv must hold uwsgi, hypercorn, waitress, supervisor, celery, dramatiq, rq, redis,
gunicorn and uvicorn (see RESULTS.md). rq and dramatiq need Debian's redis-server: this
script starts one on a free loopback port and stops it at the end.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata  # noqa: F401  (versions are read inside the venv)

READY_TIMEOUT = 30.0   # seconds a program may take to become ready
EXIT_BOUND = 15.0      # seconds we wait for an exit after SIGTERM before SIGKILL
SLOW_SECONDS = 4.0     # duration of the in-flight request or task

WSGI_APP = '''
import time
def application(environ, start_response):
    if environ.get("PATH_INFO", "/").startswith("/slow"):
        print("SLOW-START", flush=True)
        time.sleep(float(environ.get("QUERY_STRING", "s=4").split("=")[1]))
        print("SLOW-DONE", flush=True)
        body = b"slow-done"
    else:
        body = b"ok"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
app = application
'''

ASGI_APP = '''
import asyncio
async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b"ok"
    if scope["path"].startswith("/slow"):
        print("SLOW-START", flush=True)
        await asyncio.sleep(float(scope["query_string"].decode().split("=")[1]))
        print("SLOW-DONE", flush=True)
        body = b"slow-done"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
'''

# A plain Python program that exits 0 on SIGTERM (what the shell cases wrap).
HANDLER_APP = '''
import signal, sys, time
def stop(signum, frame):
    print("GOT-SIGTERM", flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("READY", flush=True)
while True:
    time.sleep(1)
'''

# A program that ignores SIGTERM (for supervisord's stopwaitsecs).
IGNORING_APP = '''
import signal, time
signal.signal(signal.SIGTERM, lambda s, f: print("IGNORED-SIGTERM", flush=True))
print("READY", flush=True)
while True:
    time.sleep(1)
'''

CELERY_APP = '''
import os, time
from celery import Celery
from celery.signals import worker_ready
app = Celery("gt", broker=os.environ.get("GT_BROKER", "memory://"),
             backend=os.environ.get("GT_BACKEND", "cache+memory://"))
@app.task
def slow(seconds):
    print("TASK-START", flush=True)
    time.sleep(seconds)
    print("TASK-DONE", flush=True)
    return "done"
@worker_ready.connect
def enqueue(**_):
    # memory:// is in-process only: the worker sends its own task once it is ready.
    slow.delay(float(os.environ.get("GT_TASK_SECONDS", "4")))
'''

RQ_JOBS = '''
import time
def slow(seconds):
    print("TASK-START", flush=True)
    time.sleep(seconds)
    print("TASK-DONE", flush=True)
    return "done"
'''

DRAMATIQ_APP = '''
import os, time
import dramatiq
from dramatiq.brokers.redis import RedisBroker
dramatiq.set_broker(RedisBroker(url=os.environ["GT_REDIS_URL"]))
@dramatiq.actor(max_retries=0, time_limit=600000)
def slow(seconds):
    print("TASK-START", flush=True)
    time.sleep(seconds)
    print("TASK-DONE", flush=True)
'''

LOCUSTFILE = '''
from locust import User, constant, task
class Idle(User):
    wait_time = constant(1)
    @task
    def nothing(self):
        pass
'''

START_SH_PLAIN = '''echo starting
python3 handler_app.py
'''

ENTRYPOINT_EXEC = '''set -e
echo entrypoint
exec "$@"
'''

SUPERVISORD_CONF = '''[supervisord]
nodaemon=true
logfile=/dev/null
logfile_maxbytes=0
pidfile={work}/supervisord.pid
loglevel=info

[program:app]
command={command}
directory={work}
stopwaitsecs={stopwaitsecs}
stopsignal=TERM
autorestart=false
startsecs=0
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
redirect_stderr=true
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Run:
    """One command as PID 1 of a new PID namespace, with its merged output collected."""

    def __init__(self, argv, cwd, env):
        self.lines = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen(
            ["unshare", "-p", "-f", "--mount-proc", "--"] + argv, cwd=cwd, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
            start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append((time.monotonic(), line.rstrip("\n")))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_line(self, pattern, timeout, since=0):
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i, (_, line) in enumerate(self.lines[since:], start=since):
                    if rx.search(line):
                        return i
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and self.proc.stdout.closed):
                    return None
                self.cond.wait(min(left, 0.2))

    def pid1(self):
        """Host PID of the namespace's PID 1 (the child unshare forked)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
                    kids = f.read().split()
                if kids:
                    return int(kids[0])
            except OSError:
                pass
            time.sleep(0.05)
        return None


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return " ".join(a.decode(errors="replace") for a in f.read().split(b"\0") if a)
    except OSError:
        return "?"


def slow_request(port, seconds, result):
    start = time.monotonic()
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=seconds + 30)
        c.request("GET", f"/slow?s={seconds}")
        r = c.getresponse()
        result["status"] = r.status
        result["body"] = r.read().decode(errors="replace")
    except Exception as e:  # the point is to record how the request failed
        result["error"] = f"{type(e).__name__}: {e}"
    result["seconds"] = round(time.monotonic() - start, 2)


def measure(case, ctx):
    work = ctx["work"]
    env = dict(os.environ, PATH=f"{ctx['venv']}/bin:" + os.environ["PATH"],
               PYTHONUNBUFFERED="1", **case.get("env", {}))
    port = case.get("port")
    run = Run(case["argv"], work, env)
    out = {"name": case["name"], "command": " ".join(case["argv"]),
           "options": case.get("options", "")}
    try:
        if port:
            deadline = time.monotonic() + case.get("ready_timeout", READY_TIMEOUT)
            while not port_accepts(port):
                if time.monotonic() > deadline or run.proc.poll() is not None:
                    out["error"] = "not ready"
                    return out
                time.sleep(0.05)
        if case.get("ready"):
            if run.wait_line(case["ready"], READY_TIMEOUT) is None:
                out["error"] = "not ready: no line /%s/" % case["ready"]
                return out
        pid1 = run.pid1()
        inflight = None
        if case.get("inflight") == "http":
            inflight = {}
            t = threading.Thread(target=slow_request, args=(port, SLOW_SECONDS, inflight))
            t.start()
            if run.wait_line("SLOW-START", 10) is None:
                out["error"] = "slow request did not start"
                return out
        elif case.get("inflight") == "task":
            if case.get("enqueue"):
                subprocess.run(case["enqueue"], cwd=work, env=env, check=True, timeout=30)
            if run.wait_line("TASK-START", 20) is None:
                out["error"] = "task did not start"
                return out
        out["pid1"] = cmdline(pid1)   # read late: a launcher may still be exec'ing at start
        mark = len(run.lines)
        t0 = time.monotonic()
        os.kill(pid1, signal.SIGTERM)
        try:
            rc = run.proc.wait(timeout=case.get("bound", EXIT_BOUND))
            out["exited"] = True
            out["seconds"] = round(time.monotonic() - t0, 2)
            out["exit"] = rc if rc >= 0 else f"signal {signal.Signals(-rc).name}"
        except subprocess.TimeoutExpired:
            out["exited"] = False
            out["seconds"] = f">{case.get('bound', EXIT_BOUND):g}"
            if port:
                out["still_serving"] = port_accepts(port)
            os.kill(pid1, signal.SIGKILL)
            run.proc.wait(timeout=10)
        if case.get("inflight") == "http":
            t.join(timeout=SLOW_SECONDS + 35)
            out["inflight"] = ("completed" if inflight.get("body") == "slow-done"
                               else "failed: " + inflight.get("error", str(inflight)))
        elif case.get("inflight") == "task":
            done = [ts for ts, line in run.lines[mark:] if "TASK-DONE" in line]
            out["inflight"] = (f"completed {done[0] - t0:.1f}s after SIGTERM" if done
                               else "not completed")
        keep = case.get("log", r"(?i)sigterm|signal|shutdown|shutting|reload|graceful|"
                               r"stop|exit|kill|warm|cold|harakiri|GOT-|IGNORED-|TASK-|SLOW-")
        out["log"] = [f"+{ts - t0:.1f}s {line[:160]}" for ts, line in run.lines[mark:]
                      if re.search(keep, line)][:30]
        return out
    finally:
        if run.proc.poll() is None:
            try:
                os.killpg(run.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            run.proc.wait(timeout=10)


def cases(ctx):
    py = f"{ctx['venv']}/bin/python3"
    redis_url = ctx.get("redis_url")
    c = []

    def http(name, argv, port, options="", **kw):
        c.append(dict(name=name, argv=argv, port=port, options=options, inflight="http", **kw))

    p = free_port()
    http("gunicorn", ["gunicorn", "-w", "1", "-b", f"127.0.0.1:{p}", "wsgi_app:app"], p,
         "defaults (--graceful-timeout 30)")
    p = free_port()
    http("gunicorn graceful 2", ["gunicorn", "-w", "1", "--graceful-timeout", "2", "-b",
                                 f"127.0.0.1:{p}", "wsgi_app:app"], p, "--graceful-timeout 2")
    p = free_port()
    http("uvicorn", ["uvicorn", "--host", "127.0.0.1", "--port", str(p), "asgi_app:app"], p,
         "defaults (no graceful timeout)")
    p = free_port()
    http("uvicorn timeout-graceful 1", ["uvicorn", "--host", "127.0.0.1", "--port", str(p),
                                         "--timeout-graceful-shutdown", "1", "asgi_app:app"], p,
         "--timeout-graceful-shutdown 1")
    p = free_port()
    http("hypercorn", ["hypercorn", "-b", f"127.0.0.1:{p}", "asgi_app:app"], p,
         "defaults")
    p = free_port()
    http("hypercorn graceful 10", ["hypercorn", "--graceful-timeout", "10", "-b",
                                   f"127.0.0.1:{p}", "asgi_app:app"], p, "--graceful-timeout 10")
    p = free_port()
    http("hypercorn graceful 1", ["hypercorn", "--graceful-timeout", "1", "-b",
                                  f"127.0.0.1:{p}", "asgi_app:app"], p, "--graceful-timeout 1")
    p = free_port()
    http("granian", ["granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(p),
                     "wsgi_app:app"], p, "defaults, WSGI")
    p = free_port()
    http("waitress", ["waitress-serve", f"--listen=127.0.0.1:{p}", "wsgi_app:app"], p,
         "defaults")
    for opts in ([], ["--die-on-term"], ["--harakiri", "2"], ["--die-on-term", "--harakiri", "2"],
                 ["--hook-master-start", "unix_signal:15 gracefully_kill_them_all"]):
        p = free_port()
        http("uwsgi " + (" ".join(opts) or "master, no die-on-term"),
             ["uwsgi", "--master", "--http-socket", f"127.0.0.1:{p}", "--wsgi-file",
              "wsgi_app.py", "--processes", "1", "--need-app"] + opts, p,
             " ".join(["--master"] + opts))
    p = free_port()
    http("uwsgi no master", ["uwsgi", "--http-socket", f"127.0.0.1:{p}", "--wsgi-file",
                             "wsgi_app.py", "--need-app"], p, "no --master")
    # supervisord: a gunicorn program with an in-flight request; a program that ignores SIGTERM.
    p = free_port()
    conf = SUPERVISORD_CONF.format(work=ctx["work"], stopwaitsecs=10,
                                   command=f"{ctx['venv']}/bin/gunicorn -w 1 -b 127.0.0.1:{p} wsgi_app:app")
    with open(os.path.join(ctx["work"], "sv-gunicorn.conf"), "w") as f:
        f.write(conf)
    http("supervisord -> gunicorn", ["supervisord", "-c", "sv-gunicorn.conf"], p,
         "stopwaitsecs=10, program gunicorn")
    conf = SUPERVISORD_CONF.format(work=ctx["work"], stopwaitsecs=3,
                                   command=f"{py} ignoring_app.py")
    with open(os.path.join(ctx["work"], "sv-ignore.conf"), "w") as f:
        f.write(conf)
    c.append(dict(name="supervisord -> SIGTERM-ignoring program",
                  argv=["supervisord", "-c", "sv-ignore.conf"], ready="READY",
                  options="stopwaitsecs=3"))
    # Celery with the in-memory broker: the worker enqueues its own task when ready.
    for opts, label in (([], "prefork -c 1"), (["--time-limit", "2"], "prefork -c 1 --time-limit 2"),
                        (["-P", "solo"], "solo pool")):
        c.append(dict(name="celery worker " + label,
                      argv=["celery", "-A", "celery_app", "worker", "-c", "1", "--loglevel", "INFO"] + opts,
                      env={"GT_BROKER": "memory://", "GT_BACKEND": "cache+memory://",
                           "GT_TASK_SECONDS": "6"},
                      inflight="task", options="broker memory://, backend cache+memory://, 6 s task, " + label,
                      bound=20))
    c.append(dict(name="celery beat", argv=["celery", "-A", "celery_app", "beat", "--loglevel", "DEBUG",
                                            "--schedule", os.path.join(ctx["work"], "beat-schedule")],
                  env={"GT_BROKER": "memory://", "GT_BACKEND": "cache+memory://"},
                  log="(?i)sigterm|shutting|exit|stop|error|Traceback",
                  ready="Ticking with max interval", options="broker memory://, ready once it ticks"))
    c.append(dict(name="locust --headless", argv=["locust", "-f", "locustfile.py", "--headless", "-u", "1",
                                                  "-r", "1", "--host", "http://127.0.0.1:9"],
                  ready="(?i)ramping|all users spawned|spawning", options="1 idle user"))
    if redis_url:
        c.append(dict(name="rq worker", argv=["rq", "worker", "--url", redis_url, "gt"],
                      ready="Listening on|listening on|\\*\\*\\* Listening", inflight="task",
                      enqueue=[py, "-c", "import redis, rq; rq.Queue('gt', connection=redis.Redis.from_url("
                                         f"'{redis_url}')).enqueue('rq_jobs.slow', 6)"],
                      options="redis on 127.0.0.1, 6 s job", bound=20))
        c.append(dict(name="dramatiq", argv=["dramatiq", "dramatiq_app", "-p", "1", "-t", "1"],
                      env={"GT_REDIS_URL": redis_url}, ready="(?i)ready for action",
                      inflight="task",
                      enqueue=[py, "-c", "import dramatiq_app; dramatiq_app.slow.send(6)"],
                      options="RedisBroker on 127.0.0.1, -p 1 -t 1, 6 s task", bound=20))
    # Shells: which process is PID 1, and does SIGTERM reach the Python program?
    for argv, label in ((["bash", "start.sh"], "bash start.sh (last line: python3 handler_app.py)"),
                        (["sh", "start.sh"], "sh start.sh (dash)"),
                        (["busybox", "sh", "start.sh"], "busybox sh start.sh"),
                        (["bash", "-c", "echo starting; python3 handler_app.py"], "bash -c 'echo; python3 ...'"),
                        (["busybox", "sh", "-c", "python3 handler_app.py 2>&1"], "busybox sh -c 'python3 ... 2>&1'"),
                        (["sh", "-c", "python3 handler_app.py 2>&1"], "sh -c 'python3 ... 2>&1' (dash)"),
                        (["sh", "entrypoint.sh", "python3", "handler_app.py"], "sh entrypoint.sh python3 ... (exec \"$@\")"),
                        (["bash", "entrypoint.sh", "python3", "handler_app.py"], "bash entrypoint.sh python3 ... (exec \"$@\")"),
                        (["python3", "handler_app.py"], "python3 with a SIGTERM handler")):
        c.append(dict(name=label, argv=argv, ready="READY", bound=5))
    for venv_dir in filter(None, ctx.get("mlflow_venvs", "").split(",")):
        mlflow = os.path.join(venv_dir, "bin", "mlflow")
        if not os.path.exists(mlflow):
            continue
        version = mlflow_version(venv_dir)
        # MLflow >= 3.10 refuses the file store; 3.1.0 with today's SQLAlchemy cannot open sqlite.
        store = (f"sqlite:///{ctx['work']}/mlflow-{version}.db" if tuple(map(int, version.split(".")[:2])) >= (3, 10)
                 else f"{ctx['work']}/mlflow-store-{version}")
        p = free_port()
        c.append(dict(name=f"mlflow {version} server (launcher runs the web server as a child)",
                      argv=[mlflow, "server", "--host", "127.0.0.1", "--port", str(p),
                            "--backend-store-uri", store,
                            "--default-artifact-root", f"{ctx['work']}/mlruns-{version}"],
                      port=p, bound=60, ready_timeout=120, options="backend " + store.split(":")[0].split("/")[-1]))
    p = free_port()
    c.append(dict(name="python3 -m http.server (no handler)",
                  argv=["python3", "-m", "http.server", "--bind", "127.0.0.1", str(p)], port=p,
                  bound=5, options="control: no SIGTERM handler"))
    return c


def write_apps(work):
    files = {"wsgi_app.py": WSGI_APP, "asgi_app.py": ASGI_APP, "handler_app.py": HANDLER_APP,
             "ignoring_app.py": IGNORING_APP, "celery_app.py": CELERY_APP, "rq_jobs.py": RQ_JOBS,
             "dramatiq_app.py": DRAMATIQ_APP, "start.sh": START_SH_PLAIN, "locustfile.py": LOCUSTFILE,
             "entrypoint.sh": ENTRYPOINT_EXEC}
    for name, text in files.items():
        with open(os.path.join(work, name), "w") as f:
            f.write(text.lstrip("\n"))


def mlflow_version(venv_dir):
    return subprocess.run([os.path.join(venv_dir, "bin", "python3"), "-c",
                           "from importlib.metadata import version; print(version('mlflow'))"],
                          capture_output=True, text=True, check=True).stdout.strip()


def versions(venv, mlflow_venvs):
    code = ("import json\nfrom importlib.metadata import version\nout={}\n"
            "for p in ['gunicorn','uvicorn','hypercorn','waitress','uWSGI','supervisor','celery',"
            "'kombu','dramatiq','rq','redis']:\n"
            "    try: out[p]=version(p)\n    except Exception: out[p]='missing'\nprint(json.dumps(out))")
    v = json.loads(subprocess.run([f"{venv}/bin/python3", "-c", code], capture_output=True,
                                  text=True, check=True).stdout)
    for venv_dir in filter(None, mlflow_venvs.split(",")):
        if os.path.exists(os.path.join(venv_dir, "bin", "mlflow")):
            v.setdefault("mlflow", [])
            v["mlflow"].append(mlflow_version(venv_dir))
    v["python"] = subprocess.run([f"{venv}/bin/python3", "-V"], capture_output=True,
                                 text=True).stdout.split()[1]
    for pkg in ("bash", "dash", "busybox", "redis-server", "util-linux"):
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
        v[pkg] = r.stdout or "missing"
    return v


def start_redis(work):
    if not shutil.which("redis-server"):
        return None, None
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port),
                             "--save", "", "--appendonly", "no", "--dir", work],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not port_accepts(port):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            return None, None
        time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


def table(path):
    """Print a results JSON (from --json) as the markdown table of RESULTS.md."""
    with open(path) as f:
        res = json.load(f)
    v = res["versions"]
    print("| command | options | PID 1 | SIGTERM outcome | seconds | exit | in-flight work |")
    print("|---|---|---|---|---|---|---|")
    for r in res["cases"]:
        pid1 = os.path.basename(r.get("pid1", "?").split()[0]) if r.get("pid1") else "?"
        if pid1.startswith("python"):
            parts = r["pid1"].split()
            pid1 = "python3 " + os.path.basename(parts[1]) if len(parts) > 1 else pid1
        if "error" in r:
            outcome = "not measured: " + r["error"]
        elif r.get("exited"):
            outcome = "exits"
        else:
            outcome = "keeps running (SIGKILLed by the harness)"
            if r.get("still_serving"):
                outcome += ", still serving"
        seconds = r.get("seconds", "")
        inflight = r.get("inflight", "n/a")
        if inflight.startswith("failed: {"):
            inflight = "failed (HTTP 500)"
        elif inflight.startswith("failed:"):
            inflight = "failed (" + inflight.split(":")[1].strip() + ")"
        print(f"| `{r['name']}` | {r.get('options', '')} | {pid1} | {outcome} | {seconds} | {r.get('exit', '')} | {inflight} |")
    print()
    print("Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--table":
        table(sys.argv[2])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--venv", default=os.path.expanduser("~/.cache/pyhygiene/venv-gt"))
    ap.add_argument("--mlflow-venvs", default=",".join(os.path.expanduser(f"~/.cache/pyhygiene/{d}")
                                                       for d in ("venv-mlflow", "venv-mlflow-3.15")),
                    help="optional comma-separated venvs with mlflow; absent ones are skipped")
    ap.add_argument("--only", default="")
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("needs root (unshare -p)")
    work = tempfile.mkdtemp(prefix="pyhygiene-gt-")
    write_apps(work)
    redis_proc, redis_url = start_redis(work)
    ctx = {"venv": args.venv, "work": work, "redis_url": redis_url, "mlflow_venvs": args.mlflow_venvs}
    results = {"versions": versions(args.venv, args.mlflow_venvs), "cases": []}
    try:
        for case in cases(ctx):
            if args.only and not any(o in case["name"] for o in args.only.split(",")):
                continue
            r = measure(case, ctx)
            print(json.dumps(r), flush=True)
            results["cases"].append(r)
    finally:
        if redis_proc:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    print(json.dumps(results["versions"]))


if __name__ == "__main__":
    main()
