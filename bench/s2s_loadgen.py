"""Signed S2S load: ``python -m bench.s2s_loadgen URL KEY SECRET SLUG CONNECTIONS SECONDS TAG OUT``.

Each request is a fresh sale (unique externalEventId) signed as a brand's server would sign it
(HMAC-SHA256 of ``<unix>.<body>``). Prints one JSON line: completed, non-2xx, errors and the
latency of every completed request in ms (the parent merges several processes), into the file
OUT: a line that long through a pipe came back cut at 64 KiB now and then."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sys
import time
from collections import Counter

import aiohttp
import uvloop


async def run(url: str, key: str, secret: str, slug: str, connections: int, seconds: float,
              tag: str) -> dict[str, object]:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    connector = aiohttp.TCPConnector(limit=connections, keepalive_timeout=60)
    secret_bytes = secret.encode()
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=5)) as session:
        deadline = time.perf_counter() + seconds

        async def worker(n: int) -> None:
            i = 0
            while (started := time.perf_counter()) < deadline:
                i += 1
                body = (f'{{"externalEventId":"{tag}-{n}-{i}","affiliateSlug":"{slug}",'
                        f'"amountCents":9900,"currency":"USD"}}').encode()
                stamp = str(int(time.time()))
                sig = hmac.new(secret_bytes, stamp.encode() + b"." + body,
                               hashlib.sha256).hexdigest()
                headers = {"X-Rekomi-Api-Key": key, "Content-Type": "application/json",
                           "X-Rekomi-Signature": f"t={stamp},sig={sig}"}
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        await response.read()
                        statuses[response.status] += 1
                except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                    errors[type(exc).__name__] += 1
                    continue
                latencies.append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(worker(n) for n in range(connections)))
    ok = sum(v for s, v in statuses.items() if 200 <= s < 300)
    return {"ok": ok, "non2xx": sum(statuses.values()) - ok, "errors": dict(errors),
            "latenciesMs": [round(x, 3) for x in latencies]}


if __name__ == "__main__":
    url, key, secret, slug, conns, secs, tag, out = sys.argv[1:9]
    result = uvloop.run(run(url, key, secret, slug, int(conns), float(secs), tag))
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f)
