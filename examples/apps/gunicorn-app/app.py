"""WSGI example service for the node tests (served by gunicorn as ``app:app``).

GET /slow?s=N    answers after N seconds (a request in flight during a shutdown); prints
                 "slow request started" when it begins
GET /alloc?mib=N allocates N MiB, touches every page and keeps it (to reach a memory limit)
GET /healthz     ok
HOLD_MIB=N       each process that imports this module (each gunicorn worker) holds N MiB
                 from the start, like a model loaded per worker

``python app.py`` serves the same app with wsgiref on :8000 and installs no SIGTERM handler:
as PID 1 it then ignores SIGTERM (the kernel's rule for PID 1 without a handler).
"""

import json
import os
import time
from urllib.parse import parse_qs

MIB = 1024 * 1024
_held = []


def _hold(mib):
    block = bytearray(mib * MIB)
    for i in range(0, len(block), 4096):  # touch every page: resident, not just reserved
        block[i] = 1
    _held.append(block)


if os.environ.get("HOLD_MIB"):
    _hold(int(os.environ["HOLD_MIB"]))


def _answer(start_response, status, body):
    data = (json.dumps(body) + "\n").encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if path == "/slow":
        seconds = float(query.get("s", ["1"])[0])
        # One line when the request is in the app's hands: tests wait for it (not a sleep).
        print(f"slow request started s={seconds} pid={os.getpid()}", flush=True)
        time.sleep(seconds)
        return _answer(start_response, "200 OK", {"slept": seconds, "pid": os.getpid()})
    if path == "/alloc":
        mib = int(query.get("mib", ["1"])[0])
        _hold(mib)
        return _answer(start_response, "200 OK", {"held_mib": sum(len(b) for b in _held) // MIB, "pid": os.getpid()})
    if path == "/healthz":
        return _answer(start_response, "200 OK", {"ok": True})
    return _answer(start_response, "404 Not Found", {"error": "not found", "path": path})


if __name__ == "__main__":
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    with make_server("0.0.0.0", int(os.environ.get("PORT", "8000")), app, handler_class=QuietHandler) as server:
        print(f"serving app:app with wsgiref on :{server.server_port} (pid {os.getpid()})", flush=True)
        server.serve_forever()
