"""Fallback load generator when wrk is missing: ``python -m bench.pyload``, one phase per run.

One uvloop process, ``--connections`` workers sharing an aiohttp connection pool of the same size
(keep-alive); prints the same JSON line as ``wrk_report.lua``. Slower than wrk: on a small machine
it can be the bottleneck for the bare baseline, which the report's CPU split shows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter

import aiohttp
import uvloop


def _percentile(ordered: list[float], pct: float) -> float:
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, round(pct / 100.0 * len(ordered) + 0.5) - 1))
    return ordered[rank]


async def run_phase(url: str, headers: dict[str, str], connections: int, seconds: float,
                    request_timeout: float) -> dict[str, object]:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    non_2xx = 0
    connector = aiohttp.TCPConnector(limit=connections, limit_per_host=connections,
                                     keepalive_timeout=60)
    client_timeout = aiohttp.ClientTimeout(total=request_timeout)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False,
                                     timeout=client_timeout) as session:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal non_2xx
            get, record, clock = session.get, latencies.append, time.perf_counter
            while (started := clock()) < deadline:
                try:
                    async with get(url, headers=headers) as response:
                        await response.read()
                        status = response.status
                except TimeoutError:
                    errors["timeout"] += 1
                    continue
                except aiohttp.ClientConnectorError:
                    errors["connect"] += 1
                    await asyncio.sleep(0.01)
                    continue
                except (aiohttp.ClientError, OSError):
                    errors["read"] += 1
                    continue
                record(clock() - started)
                if not 200 <= status < 300:
                    non_2xx += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    us = 1e6
    return {
        "requests": len(latencies), "duration_us": int(elapsed * us),
        "p50_us": _percentile(latencies, 50) * us, "p90_us": _percentile(latencies, 90) * us,
        "p99_us": _percentile(latencies, 99) * us,
        "max_us": (latencies[-1] if latencies else 0.0) * us,
        "mean_us": (sum(latencies) / len(latencies) * us) if latencies else 0.0,
        "non_2xx": non_2xx,
        "socket_errors": {k: errors[k] for k in ("connect", "read", "write", "timeout")},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pyload", description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--header", action="append", default=[], help="'Name: value'")
    args = parser.parse_args(argv)
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    result = uvloop.run(run_phase(args.url, headers, args.connections, args.duration,
                                  args.timeout))
    print("BENCH_JSON " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
