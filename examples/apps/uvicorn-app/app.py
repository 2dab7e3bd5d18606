"""ASGI example service for the node tests (served by uvicorn as ``app:app``).

GET /slow?s=N    answers after N seconds (a request in flight during a shutdown); prints
                 "slow request started" when it begins
GET /alloc?mib=N allocates N MiB, touches every page and keeps it (to reach a memory limit)
GET /healthz     ok
"""

import asyncio
import json
import os
from urllib.parse import parse_qs

MIB = 1024 * 1024
_held = []


def _hold(mib):
    block = bytearray(mib * MIB)
    for i in range(0, len(block), 4096):
        block[i] = 1
    _held.append(block)


async def _answer(send, status, body):
    data = (json.dumps(body) + "\n").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    path = scope["path"]
    query = parse_qs(scope.get("query_string", b"").decode())
    if path == "/slow":
        seconds = float(query.get("s", ["1"])[0])
        print(f"slow request started s={seconds} pid={os.getpid()}", flush=True)
        await asyncio.sleep(seconds)
        await _answer(send, 200, {"slept": seconds, "pid": os.getpid()})
    elif path == "/alloc":
        mib = int(query.get("mib", ["1"])[0])
        _hold(mib)
        await _answer(send, 200, {"held_mib": sum(len(b) for b in _held) // MIB, "pid": os.getpid()})
    elif path == "/healthz":
        await _answer(send, 200, {"ok": True})
    else:
        await _answer(send, 404, {"error": "not found", "path": path})
