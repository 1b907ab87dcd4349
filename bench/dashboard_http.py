"""The dashboard endpoints ``dashboard_read`` times, and the timing: sequential requests on one
keep-alive connection, round-robin over the endpoints (noise from other work on the machine
falls on all of them alike), plus an optional concurrent run."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.common import BenchError
from bench.pyload import _percentile
from libs.contracts import insights as ins
from libs.contracts import metrics as m
from libs.shared.rpc import Rpc
from services.gateway.entrypoints.http.routes.dashboard import INSIGHT_RPC

DASHBOARD = "/api/v1/dashboard"
TIMESERIES = ("clicks", "conversions", "leads", "payouts")
RANKINGS = ("clicks", "conversions", "earnings", "epc")
MAX_OUTAGE_S = 180.0
OUTAGE_PAUSE_S = 0.5


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str
    path: str
    params: dict[str, str]
    rpc: Rpc[Any, Any]  # what the ledger answers it with
    extra: dict[str, str] = field(default_factory=dict)  # payload fields from the path

    @property
    def payload(self) -> dict[str, str]:
        """What the gateway sends the ledger for it (besides the org)."""
        return {**self.params, **self.extra}


def endpoints(modules: list[str], since: str) -> list[Endpoint]:
    window = {"since": since}
    out = [Endpoint("summary", f"{DASHBOARD}/summary", window, m.SUMMARY)]
    out += [Endpoint(f"timeseries {metric}", f"{DASHBOARD}/timeseries",
                     {**window, "metric": metric}, m.TIMESERIES) for metric in TIMESERIES]
    out += [Endpoint(f"leaderboard {metric}", f"{DASHBOARD}/leaderboard",
                     {**window, "metric": metric}, m.LEADERBOARD) for metric in RANKINGS]
    out.append(Endpoint("traffic-sources", f"{DASHBOARD}/traffic-sources", window,
                        m.TRAFFIC_SOURCES))
    out += [Endpoint(f"insights {name}", f"{DASHBOARD}/insights/{name}", window,
                     INSIGHT_RPC[ins.Module(name)], {"module": name}) for name in modules]
    return out


@dataclass(slots=True)
class Timings:
    """Seconds per request, by endpoint; the last body of each (for the cross-check)."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    bodies: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    # 504s: the ledger did not answer within the gateway's RPC timeout. Counted as samples of
    # the time they took (the endpoint is that slow at least), not as a broken run.
    timeouts: dict[str, int] = field(default_factory=dict)
    outage_s: float = 0.0  # waited out on 503s (``_outage``)

    def stats(self, name: str) -> dict[str, float]:
        ordered = sorted(self.seconds.get(name, []))
        if not ordered:
            return {"requests": 0, "timeouts": 0, "p50Ms": 0.0, "p99Ms": 0.0, "maxMs": 0.0,
                    "meanMs": 0.0}
        return {"requests": len(ordered), "timeouts": self.timeouts.get(name, 0),
                "p50Ms": _percentile(ordered, 50) * 1000,
                "p99Ms": _percentile(ordered, 99) * 1000, "maxMs": ordered[-1] * 1000,
                "meanMs": sum(ordered) / len(ordered) * 1000}


def session(connections: int, timeout: float) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections, keepalive_timeout=60),
        timeout=aiohttp.ClientTimeout(total=timeout))


async def modules(client: aiohttp.ClientSession, base_url: str, auth: dict[str, str]
                  ) -> list[str]:
    """The insight modules the stack serves: an unknown one answers 404 listing them."""
    async with client.get(f"{base_url}{DASHBOARD}/insights/no-such-module",
                          headers=auth) as response:
        body = await response.json(content_type=None)
    if response.status != 404 or not isinstance(body.get("modules"), list):
        raise BenchError(f"an unknown insight module answered {response.status}: {body}")
    return [str(name) for name in body["modules"]]


async def _one(client: aiohttp.ClientSession, url: str, ep: Endpoint, auth: dict[str, str],
               timings: Timings, record: bool) -> None:
    while True:
        started = time.perf_counter()
        async with client.get(url, params=ep.params, headers=auth) as response:
            raw = await response.read()
        elapsed = time.perf_counter() - started
        if response.status != 503 or not await _outage(timings):
            break
    if response.status not in (200, 504):
        timings.failures.append(f"{ep.name}: HTTP {response.status} {raw[:200]!r}")
        return
    if record:
        timings.seconds.setdefault(ep.name, []).append(elapsed)
        if response.status == 504:
            timings.timeouts[ep.name] = timings.timeouts.get(ep.name, 0) + 1
        else:
            timings.bodies[ep.name] = raw


async def _outage(timings: Timings) -> bool:
    """A 503 (the ledger unreachable): the shared servers on this machine are restarted by
    other work at times (the fault tests restart RabbitMQ). Wait it out, up to
    ``MAX_OUTAGE_S`` a run, and ask again: True to retry, False to give up."""
    if timings.outage_s == 0:
        print("    WARNING: the ledger is unreachable (a broker or database restart?): "
              f"retrying, up to {MAX_OUTAGE_S:.0f} s a run", flush=True)
    if timings.outage_s >= MAX_OUTAGE_S:
        return False
    timings.outage_s += OUTAGE_PAUSE_S
    await asyncio.sleep(OUTAGE_PAUSE_S)
    return True


async def sequential(base_url: str, auth: dict[str, str], eps: list[Endpoint], *,
                     requests: int, warmup: int, timeout: float, budget_s: float,
                     at_least: int) -> Timings:
    """``warmup`` then ``requests`` rounds, each one request per endpoint, one connection. An
    endpoint whose measured requests have taken ``budget_s`` leaves the rounds once it has
    ``at_least`` of them: one far off its target would otherwise make the run last hours."""
    timings = Timings()
    active = list(eps)
    async with session(1, timeout) as client:
        for n in range(warmup + requests):
            for ep in active:
                await _one(client, base_url + ep.path, ep, auth, timings, n >= warmup)
            done = n - warmup + 1
            spent = {ep.name: sum(timings.seconds.get(ep.name, [])) for ep in active}
            left = [ep.name for ep in active if done >= at_least and spent[ep.name] >= budget_s]
            if left:
                print(f"    after {done} rounds, {', '.join(left)} took {budget_s:.0f} s "
                      "each: measured no further", flush=True)
                active = [ep for ep in active if ep.name not in left]
            if done > 0 and done % 50 == 0:
                print(f"    {done} / {requests} rounds", flush=True)
            if not active:
                break
    timings.bodies = {k: json.loads(v) for k, v in timings.bodies.items()}
    return timings


async def concurrent(base_url: str, auth: dict[str, str], eps: list[Endpoint], *,
                     clients: int, seconds: float, timeout: float) -> tuple[Timings, float]:
    """``clients`` concurrent callers, each round-robin over the endpoints for ``seconds``;
    also answers the requests per second of all of them."""
    timings = Timings()
    deadline = time.perf_counter() + seconds
    async with session(clients, timeout) as client:

        async def caller(offset: int) -> None:
            n = offset
            while time.perf_counter() < deadline:
                ep = eps[n % len(eps)]
                await _one(client, base_url + ep.path, ep, auth, timings, True)
                n += 1

        began = time.perf_counter()
        await asyncio.gather(*(caller(k) for k in range(clients)))
        elapsed = time.perf_counter() - began
    done = sum(len(v) for v in timings.seconds.values())
    timings.bodies = {}
    return timings, done / elapsed if elapsed else 0.0
