"""Scenario ``clicks_ingest``: browser clicks through the whole stack (``GET /api/v1/r/c.gif``
with the landing page's ``?via=`` in the Referer: gateway -> per-IP rate limit -> RabbitMQ RPC
-> tracking -> in-memory batch -> COPY into PostgreSQL) beside two baselines measured in the
same run: the bare aiohttp handler (requests/s) and raw single-row asyncpg INSERTs of a click
row at the same concurrency (rows/s).

Target (from the issue): clicks/s through the stack >= 0.25 x bare aiohttp requests/s.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from bench import procs
from bench.common import RESULTS_DIR, BenchError, BenchOptions, db_value, settled_count
from bench.cpu import ProcGroup, infra_groups
from bench.load import LoadResult, LoadSpec, resolve_tool, run_load
from bench.observe import RunObserver
from bench.profile import PySpyRecorder
from bench.programs_get import _busy_before, _measure_bare, _progress
from bench.raw_insert import raw_insert_rate
from bench.report import Row, Target, cpu_table, load_table, profile_lines, write_json
from bench.stack import RekomiStack, bench_stack

NAME = "clicks_ingest"
RPS_RATIO_TARGET = 0.25
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"
# Its own database and namespace: work other benches leave in ``rekomi_bench`` (e.g. a
# backlog of webhook retries) must not compete with the clicks for PostgreSQL.
DSN = "postgresql://postgres@127.0.0.1:5432/rekomi_bench_clicks"
# Public tracking routes are limited per client address; the load comes from one address.
OVERRIDES = {"REKOMI_ANONYMOUS_RATE_LIMIT_PER_MINUTE": "1000000000",
             "REKOMI_DATABASE_URL": DSN, "REKOMI_NAMESPACE": "rekomibenchclk"}
RAW_POOL = 10
RAW_INSERT = (
    "INSERT INTO bench_clicks (org_id, program_id, affiliate_id, slug, attributed_slug, "
    "referrer_host, landing_url, device_class, country, is_bot, source, created_at) "
    "VALUES ($1, $1, $1, 'bench', 'bench', 'blog.example', 'https://b.example/?via=bench', "
    "'Desktop', 'unknown', false, 'gif', now())")


def _indexed_slug(stack: RekomiStack) -> tuple[str, str]:
    org = stack.create_org()
    program = stack.request("POST", "/api/v1/programs", org, {
        "name": "Bench clicks", "defaultCommissionType": "Percentage",
        "defaultCommissionValue": 20}, expect=201)
    slug = f"bench-{uuid.uuid4().hex[:10]}"
    stack.request("POST", "/api/v1/affiliates", org, {
        "programId": program["id"], "email": f"{slug}@example.com", "customAlias": slug},
        expect=201)
    deadline = time.monotonic() + 30
    while not asyncio.run(db_value(DSN, "SELECT 1 FROM tracking.link_index WHERE slug = $1", slug)):
        if time.monotonic() > deadline:
            raise BenchError("the tracking service never indexed the bench link")
        time.sleep(0.2)
    return org.org_id, slug


def _pixels_answered(stack: RekomiStack) -> int:
    """Every pixel the gateway answered 200, from its own request counter."""
    status, body = procs.http("GET", f"{stack.base_url}/metrics")
    if status != 200:
        raise BenchError(f"GET /metrics answered {status}")
    total = 0.0
    for line in body.decode().splitlines():
        if (line.startswith("rekomi_http_requests_total{") and 'route="/api/v1/r/c.gif"' in line
                and 'status="200"' in line):
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


def _observer(stack: RekomiStack, opts: BenchOptions) -> RunObserver:
    pids = stack.service_pids()
    profiler = (PySpyRecorder({s: pids[s] for s in opts.profile}, RESULTS_DIR, NAME)
                if opts.profile else None)
    watched = ("gateway", "tracking")

    def groups(loadgen: int) -> list[ProcGroup]:
        return [*(ProcGroup(s, (pids[s],)) for s in watched), *infra_groups(),
                ProcGroup("loadgen", (loadgen,))]

    return RunObserver(groups, profiler)


def _print_observed(observer: RunObserver) -> None:
    if observer.cpu is not None:
        print(cpu_table("stack", observer.cpu))
    for summary in (observer.profiler.summaries if observer.profiler else []):
        print(profile_lines(summary))


def _measure_stack(opts: BenchOptions, stack: RekomiStack) -> tuple[Row, int, float]:
    print("[2/3] rekomi stack: GET /api/v1/r/c.gif ...", flush=True)
    with stack:
        org_id, slug = _indexed_slug(stack)
        url = f"{stack.base_url}/api/v1/r/c.gif"
        headers = {"Referer": f"https://brand.example/?via={slug}", "User-Agent": UA}
        status, body = procs.http("GET", url, headers=headers)
        if status != 200 or not body.startswith(b"GIF"):
            raise BenchError(f"GET {url} answered {status}: {body[:200]!r}")
        _busy_before("stack")
        spec = LoadSpec(url=url, connections=opts.connections, duration=opts.duration,
                        warmup=opts.warmup, threads=opts.threads, timeout=opts.timeout,
                        headers=headers)
        observer = _observer(stack, opts)
        result = run_load(resolve_tool(opts.tool), spec, observer)
        _print_observed(observer)
        # Once the count stops moving: buffers flushed, casts taken.
        stored = settled_count(DSN, "SELECT count(*) FROM tracking.clicks WHERE org_id = $1",
                               uuid.UUID(org_id))
        answered = _pixels_answered(stack)
        print(f"  pixels answered 200 (gateway counter, warm-up included): {answered}; "
              f"clicks stored: {stored}; not stored: {answered - stored}", flush=True)
        _progress("stack", result)
        print("[3/3] raw asyncpg single-row INSERT baseline (stack idle) ...", flush=True)
        raw_rps = asyncio.run(_raw_inserts(opts))
    print(f"  raw INSERT: {raw_rps:.0f} rows/s", flush=True)
    return Row("rekomi clicks", result, len(body)), int(stored), raw_rps


async def _raw_inserts(opts: BenchOptions) -> float:
    # As many database connections as the tracking service's pool (db_pool_max, 10), driven by
    # the bench's number of concurrent clients.
    return await raw_insert_rate(DSN, table="bench_clicks", like="tracking.clicks",
                                 insert_sql=RAW_INSERT, pool_size=RAW_POOL,
                                 clients=opts.connections, seconds=opts.duration)


def run(opts: BenchOptions) -> int:
    print(f"== {NAME}: clicks through the stack vs bare aiohttp vs raw INSERT, "
          f"{opts.connections} connections", flush=True)
    stack = bench_stack(opts, OVERRIDES)
    bare, _obs, _busy = _measure_bare(resolve_tool(opts.tool), opts)
    clicks, stored, raw_rps = _measure_stack(opts, stack)
    return _report(opts, bare, clicks, stored, raw_rps)


def _report(opts: BenchOptions, bare: Row, clicks: Row, stored: int, raw_rps: float) -> int:
    ratio = clicks.result.rps / bare.result.rps if bare.result.rps else 0.0
    target = Target("clicks/s / bare req/s", ratio, RPS_RATIO_TARGET, "x", at_least=True)
    broken = [f"{r.label}: {why}" for r in (bare, clicks) if (why := r.result.broken)]
    print(f"\n== {NAME} results")
    print(load_table([bare, clicks]))
    print(f"  raw single-row INSERT: {raw_rps:.0f} rows/s at {opts.connections} connections")
    print(f"  clicks stored: {stored} (warm-up and preflight included)")
    print(f"  ratio clicks/bare: {ratio:.3f}; clicks/raw INSERT: "
          f"{clicks.result.rps / raw_rps if raw_rps else 0:.3f}")
    print(target.line())
    data: dict[str, Any] = {
        "endpoint": "GET /api/v1/r/c.gif", "bare": bare.result.to_dict(),
        "stack": clicks.result.to_dict(), "rawInsertRowsPerSecond": round(raw_rps, 1),
        "clicksStored": stored, "ratio": round(ratio, 4), "targets": [target.to_dict()],
        "broken": broken or None}
    print(f"\nwrote {write_json(NAME, data)}")
    return 2 if broken else 0


__all__ = ["NAME", "LoadResult", "run"]
