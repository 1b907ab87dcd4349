"""Scenario ``dashboard_read``: the dashboard's reads over a large org, against a plain SQL scan
of the raw rows in the same run.

Data set (``bench/dashboard_data.py``, ``bench/dashboard_sales.py``): one org with 10,000
affiliates, 10 million clicks and 1 million conversions over 90 days, seeded with COPY and
rolled up through the ledger's own write path (``bench/dashboard_seed.py``); kept in a
database of its own and reused by later runs (``--reseed`` seeds it again).

Timed (``bench/dashboard_http.py``): a 30-day window ending now, through the gateway over HTTP
with the org's API key: summary, timeseries (clicks, conversions, leads, payouts),
leaderboard (clicks, conversions, earnings, epc), traffic sources and every insight module the
stack serves; ``REQUESTS`` sequential rounds on one connection after ``WARMUP`` rounds, p50 and
p99 per endpoint; ``--concurrent N`` adds N concurrent callers for ``--duration`` seconds.

Baseline (``bench/dashboard_raw.py``): per endpoint, one plain SQL statement over the raw rows
answering the same question for the same window, timed on the idle stack (median of 3). The
API's counts must equal the raw statements' (``bench/dashboard_check.py``).

Target (from the issue): every endpoint's p99 under 100 ms on 2 cores AND at least 20x faster
than its raw scan. The ledger's own time per endpoint (its handler run in-process, SQL apart)
is reported beside, and EXPLAIN ANALYZE of each statement of an endpoint that missed."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from bench import dashboard_http as web
from bench import dashboard_raw as raw
from bench import dashboard_seed as seeding
from bench.common import BenchError, BenchOptions, db_value
from bench.cpu import machine_busy
from bench.dashboard_check import check
from bench.dashboard_data import Shape
from bench.dashboard_explain import Profiler
from bench.dashboard_report import Result, Row, report
from bench.payouts_data import wait_drained
from bench.stack import BENCH_ENV, RekomiStack

NAME = "dashboard_read"
REQUESTS = 200
WARMUP = 5
# An endpoint far off its target stops being measured once its requests took this long (with
# at least MIN_REQUESTS of them): 200 requests of 3 s each would be ten minutes for one.
ENDPOINT_BUDGET_S = 60.0
MIN_REQUESTS = 20
WINDOW_DAYS = 30
_DUE = ("SELECT count(*) FROM ledger.conversions WHERE status = 'Pending' "
        "AND approve_after <= $1")
# The ledger approves what fell due when it starts (a reused set's backlog), then not again
# during the run: rows falling due between the API's answer and the raw scan would make the
# funnel differ.
APPROVAL_INTERVAL_S = 86_400
# A vhost and namespace of its own beside its database: another scenario's reset (which deletes
# the shared bench vhost) cannot pull the queues from under a run that lasts half an hour.
VHOST = seeding.DATABASE  # its vhost is named after its database


async def _settle(stack: RekomiStack, due_by: datetime) -> None:
    """A reused set may have Pending rows whose grace ended since: the ledger approves them
    when it starts (and the rollups follow its events) before anything is timed."""
    deadline = time.monotonic() + 600
    while n := await db_value(seeding.DSN, _DUE, due_by):
        if time.monotonic() > deadline:
            raise BenchError(f"{n} due conversions still Pending after 600 s")
        print(f"    waiting for the ledger to approve {n:,} conversions due since the seeding",
              flush=True)
        await asyncio.sleep(5)
    await wait_drained(seeding.DSN, stack.vhost)


async def _measure(opts: BenchOptions, stack: RekomiStack, data: seeding.DataSet,
                   started: datetime) -> Result:
    # Seeded now: the ledger's start-up round ran before the rows existed, and none was due
    # at the anchor.
    await _settle(stack, started if data.reused else data.anchor)
    now = datetime.now(UTC)
    since = now - timedelta(days=WINDOW_DAYS)
    # The API's window in whole UTC days: the day of `since` through today.
    first = datetime.combine(since.date(), datetime.min.time(), UTC)
    end = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    auth = data.org.auth
    async with aiohttp.ClientSession() as client:
        modules = await web.modules(client, stack.base_url, auth)
    eps = web.endpoints(modules, since.isoformat())
    busy = await asyncio.to_thread(machine_busy, 1.0)
    print(f"[3/4] {len(eps)} endpoints x {REQUESTS} sequential rounds (after {WARMUP}), one "
          f"connection (an endpoint stops after {ENDPOINT_BUDGET_S:.0f} s of its requests, "
          f"with {MIN_REQUESTS} at least); insight modules: {', '.join(modules)}; machine "
          f"{busy:.0f}% busy (of one core) before", flush=True)
    timings = await web.sequential(stack.base_url, auth, eps, requests=REQUESTS,
                                   warmup=WARMUP, timeout=opts.timeout,
                                   budget_s=ENDPOINT_BUDGET_S, at_least=MIN_REQUESTS)
    result = Result(since, first, end, [web_row(timings, ep) for ep in eps],
                    list(timings.failures), busy_before_pct=busy, outage_s=timings.outage_s)
    if opts.concurrent:
        result.concurrent = await _concurrent(opts, stack, data, eps)
    print("[4/4] raw baselines (median of 3), cross-check, the ledger's time per endpoint "
          "...", flush=True)
    org_id = uuid.UUID(data.org.org_id)
    conn = await raw.connect(seeding.DSN)
    try:
        for row in result.rows:
            if row.endpoint.name not in raw.RAW:
                continue
            row.raw_ms, rows = await raw.timed(conn, row.endpoint.name, org_id, first, end)
            if row.endpoint.name == "summary":
                result.window = {k: rows[0][k] for k in ("clicks", "conversions", "leads")}
            if row.endpoint.name in timings.bodies:
                row.mismatches = check(row.endpoint.name, timings.bodies[row.endpoint.name],
                                       rows)
            print(f"    {row.endpoint.name:<26} raw {row.raw_ms:9.1f} ms", flush=True)
    finally:
        await conn.close()
    async with Profiler(seeding.DSN, org_id) as profiler:
        for row in result.rows:
            row.ledger = await profiler.profile(row.endpoint)
            if row.ledger is not None and not row.met:
                await profiler.explain(row.ledger)
    return result


def web_row(timings: web.Timings, ep: web.Endpoint) -> Row:
    return Row(ep, timings.stats(ep.name))


async def _concurrent(opts: BenchOptions, stack: RekomiStack, data: seeding.DataSet,
                      eps: list[web.Endpoint]) -> dict[str, Any]:
    print(f"    concurrent: {opts.concurrent} callers over all endpoints, {opts.duration} s "
          f"(after {opts.warmup} s) ...", flush=True)
    if opts.warmup:
        await web.concurrent(stack.base_url, data.org.auth, eps, clients=opts.concurrent,
                             seconds=opts.warmup, timeout=opts.timeout)
    timings, rps = await web.concurrent(stack.base_url, data.org.auth, eps,
                                        clients=opts.concurrent, seconds=opts.duration,
                                        timeout=opts.timeout)
    return {"clients": opts.concurrent, "seconds": opts.duration, "requestsPerSecond": rps,
            "failures": timings.failures[:20],
            "endpoints": {ep.name: timings.stats(ep.name) for ep in eps}}


def run(opts: BenchOptions) -> int:
    shape = Shape()
    print(f"== {NAME}: dashboard reads over {shape.clicks:,} clicks, {shape.conversions:,} "
          f"conversions and {shape.affiliates:,} affiliates ({shape.days} days); "
          f"{WINDOW_DAYS}-day window vs a raw SQL scan of the same rows", flush=True)
    if opts.reseed:
        found, why = None, "--reseed"
    else:
        found, why = asyncio.run(seeding.stored(shape))
    stack = RekomiStack(gateway_port=opts.gateway_port, ops_base_port=opts.ops_base_port,
                        overrides={
                            "REKOMI_DATABASE_URL": seeding.DSN,
                            "REKOMI_AMQP_URL": BENCH_ENV["REKOMI_AMQP_URL"].rsplit("/", 1)[0]
                            + "/" + VHOST,
                            "REKOMI_NAMESPACE": "rekomibench" + seeding.DATABASE.rsplit("_", 1)[-1],
                            "REKOMI_CONVERSION_APPROVAL_INTERVAL_SECONDS":
                                str(APPROVAL_INTERVAL_S)},
                        keep_database=found is not None)
    stack.check_ports()
    print(f"[1/4] data set: {'reused' if found else 'seeding it'} ({why}; database "
          f"{seeding.DATABASE})", flush=True)
    print("[2/4] rekomi stack: ensure-infra, migrate, rekomi run ...", flush=True)
    started = datetime.now(UTC)
    with stack:
        if found is None:
            print("    seeding (untimed) ...", flush=True)
            found = asyncio.run(seeding.seed(stack, shape))
            print(f"    seeded in {found.seed_seconds:.0f} s", flush=True)
        result = asyncio.run(_measure(opts, stack, found, started))
    return report(NAME, opts, found, result)
