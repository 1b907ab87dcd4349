"""Scenario ``s2s_ingest``: signed S2S sales through the whole stack (gateway: key, HMAC on the
raw body, plan gate -> RabbitMQ RPC -> tracking: slug, dedupe row + outbox event in a group
commit -> reply; then the ledger books the conversion from the bus) beside two baselines
measured in the same run: the bare aiohttp handler (requests/s) and raw single-row asyncpg
INSERTs of a conversion row (rows/s).

The sales are offered at a fixed rate (``--rate``, 3,000/s), open loop, as brands' servers send
them: each is due at its time whether or not the earlier ones were answered, and its latency
counts from then (``bench.s2s_loadgen``). Sustaining the rate means every offered sale answered
2xx within the run; a stack slower than the rate shows as growing latency and timeouts.
"Booked per second" is counted in the ledger's table; the backlog after the load is whatever it
still lacks of the acknowledged sales, and the drain time is how long the ledger takes to book it.

Targets (from the issue): >= 3,000 signed events/s sustained, p99 < 50 ms, backlog drained
within 10 s after the load stops.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from bench.common import BenchOptions, db_value
from bench.cpu import CpuReport
from bench.disk_probe import BURST_BYTES
from bench.load import resolve_tool
from bench.observe import RunObserver
from bench.offered_load import Answered, Generator, offer, pct, ready_window
from bench.offered_load import observer as observer_of
from bench.programs_get import _measure_bare
from bench.raw_insert import raw_insert_rate
from bench.report import Target, cpu_table, load_table, profile_lines, write_json
from bench.stack import BENCH_ENV, RekomiStack, Seller, bench_stack

NAME = "s2s_ingest"
RPS_TARGET, P99_TARGET_MS, DRAIN_TARGET_S = 3000.0, 50.0, 10.0
# A probe commit this slow is a stall of the database's disk (it takes about 1 ms otherwise).
PROBE_STALL_MS = 15.0
DSN = BENCH_ENV["REKOMI_DATABASE_URL"]
# WAL a sale writes across the services (pg_current_wal_lsn over a run: 3.25 KB), rounded up:
# the measured window gets this much WAL ready beforehand (``bench.wal_primer``).
WAL_BYTES_PER_SALE = 3500
RAW_INSERT = (
    "INSERT INTO bench_conversions (id, org_id, program_id, affiliate_id, amount_cents, "
    "currency, commission_cents, status, type, external_event_id, created_at) "
    "VALUES (gen_random_uuid(), $1, $1, $1, 9900, 'USD', 1980, 'Pending', 'OneTime', "
    "gen_random_uuid()::text, now())")


def s2s_generator(stack: RekomiStack, seller: Seller) -> Generator:
    """Signed S2S sales of one seller (``bench.s2s_loadgen``)."""
    return Generator("bench.s2s_loadgen", (f"{stack.base_url}/api/tracking/s2s",
                                           seller.org.api_key, seller.secret, seller.slug))


async def _count(org_id: str) -> int:
    """Sales of the measured run booked so far (the warm-up's are tagged ``warm``)."""
    return int(await db_value(DSN, "SELECT count(*) FROM ledger.conversions WHERE org_id = $1 "
                              "AND external_event_id LIKE 'run%'", uuid.UUID(org_id)))


def drain(org_id: str, acknowledged: int, limit_s: float = 30.0) -> tuple[int, float, int]:
    """Once the measured load has stopped: the sales booked then, how long the ledger took to
    book all ``acknowledged`` ones (``limit_s`` at most) and how many it booked."""
    booked_at_stop = asyncio.run(_count(org_id))
    started = time.monotonic()
    while asyncio.run(_count(org_id)) < acknowledged:
        if time.monotonic() - started > limit_s:
            break
        time.sleep(0.2)
    drain_s = time.monotonic() - started
    return booked_at_stop, drain_s, asyncio.run(_count(org_id))


async def _raw_inserts(opts: BenchOptions) -> float:
    return await raw_insert_rate(DSN, table="bench_conversions", like="ledger.conversions",
                                 insert_sql=RAW_INSERT, pool_size=min(opts.connections, 32),
                                 clients=opts.connections, seconds=opts.duration)


def run(opts: BenchOptions) -> int:
    print(f"== {NAME}: signed S2S sales through the stack, {opts.rate:.0f}/s offered for "
          f"{opts.s2s_duration} s", flush=True)
    stack = bench_stack(opts)
    bare, _obs, _busy = _measure_bare(resolve_tool(opts.tool), opts)
    with stack:
        seller = stack.seller("Bench S2S")
        sales = s2s_generator(stack, seller)
        if opts.warmup:
            offer(NAME, sales, opts, opts.warmup, "warm", DSN)
        ready_window(DSN, int(opts.rate * opts.s2s_duration * WAL_BYTES_PER_SALE))
        observer = observer_of(NAME, stack, opts)
        started = time.monotonic()
        result = offer(NAME, sales, opts, opts.s2s_duration, "run", DSN, observer)
        elapsed = time.monotonic() - started
        booked_at_stop, drain_s, booked = drain(seller.org.org_id, result["ok"])
        print("  raw asyncpg single-row INSERT baseline ...", flush=True)
        raw_rps = asyncio.run(_raw_inserts(opts))
    return _report(opts, bare, result, elapsed, booked, booked_at_stop, drain_s, raw_rps,
                   observer)


def _probe_line(commits: list[float], second_max: list[float], second_p99: list[float]) -> str:
    """Which slow seconds of the stack were slow commits of PostgreSQL itself."""
    stalled = [i for i, ms in enumerate(second_max) if ms > PROBE_STALL_MS]
    slow = [i for i, ms in enumerate(second_p99) if ms > P99_TARGET_MS]
    return (f"  PostgreSQL's own commits (one row every 20 ms, beside the load): median "
            f"{pct(commits, 50):.1f} ms, max {commits[-1] if commits else 0:.0f} ms; seconds "
            f"with one over {PROBE_STALL_MS:.0f} ms: {stalled}; of the {len(slow)} seconds with "
            f"a p99 over {P99_TARGET_MS:.0f} ms, {len(set(slow) & set(stalled))} had one")


def _disk_line(found: list[dict[str, Any]], second_p99: list[float]) -> str:
    """Which slow seconds of the stack had the disk busy with something else."""
    slow = {i for i, ms in enumerate(second_p99) if ms > P99_TARGET_MS}
    listed = ", ".join(f"{b['second']} ({b['disk_mb']:.0f} MB, {b['cause']})" for b in found)
    return (f"  disk bursts (over {BURST_BYTES / 1e6:.0f} MB written in a second): "
            f"{listed or 'none'}; of the {len(slow)} seconds with a p99 over "
            f"{P99_TARGET_MS:.0f} ms, {len(slow & {b['second'] for b in found})} had one")


def _stack_micros_per_sale(cpu: CpuReport, rps: float) -> float:
    """What a sale costs the stack (services, PostgreSQL, RabbitMQ, Redis): every group but
    the load generators."""
    return cpu.micros_per_item(rps, [name for name in cpu.by_group if name != "loadgen"])


def _cost_line(cpus: int, micros: float) -> str:
    """What a sale costs the stack here, and the rate the cores could carry at that cost. The
    cost falls as the rate rises (batches fill), so a ceiling read off a slow run is low."""
    ceiling = cpus * 1e6 / micros if micros else 0.0
    return (f"  stack CPU per answered sale: {micros:.0f} us (services, PostgreSQL, RabbitMQ, "
            f"Redis); at that cost {cpus} cores carry at most {ceiling:.0f} sales/s")


def _report(opts: BenchOptions, bare: Any, result: dict[str, Any], elapsed: float, booked: int,
            booked_at_stop: int, drain_s: float, raw_rps: float, observer: RunObserver) -> int:
    answered = Answered.of(result, opts.s2s_duration)
    rps, p50, p99 = answered.per_second, answered.p50_ms, answered.p99_ms
    targets = [Target("signed events/s", rps, RPS_TARGET, "/s", at_least=True),
               Target("p99", p99, P99_TARGET_MS, "ms", at_least=False),
               Target("ledger backlog drain", drain_s, DRAIN_TARGET_S, "s", at_least=False)]
    print(f"\n== {NAME} results")
    print(load_table([bare]))
    print(answered.line("s2s through the stack", result, opts.rate, "signed events"))
    seconds = result["secondP99Ms"]
    print(f"  p99 of each second: over 50 ms in {sum(v > P99_TARGET_MS for v in seconds)} of "
          f"{len(seconds)}; worst {sorted(seconds, reverse=True)[:5]} ms, at seconds "
          f"{sorted(range(len(seconds)), key=lambda i: -seconds[i])[:5]}")
    if "secondCommitMaxMs" in result:
        print(_probe_line(result["commitProbeMs"], result["secondCommitMaxMs"], seconds))
    if "diskBursts" in result:
        print(_disk_line(result["diskBursts"], seconds))
    print(f"  booked by the ledger: {booked} ({booked / elapsed:.0f}/s over the load; "
          f"{booked_at_stop} when the load stopped; drained in {drain_s:.2f} s)")
    print(f"  raw single-row INSERT: {raw_rps:.0f} rows/s at {min(opts.connections, 32)} "
          "connections")
    micros: float | None = None
    if observer.cpu is not None:
        micros = _stack_micros_per_sale(observer.cpu, rps)
        print(cpu_table("CPU during the load (% of one core)", observer.cpu))
        print(_cost_line(observer.cpu.cpus, micros))
    summaries = observer.profiler.summaries if observer.profiler is not None else []
    for summary in summaries:
        print(profile_lines(summary))
    for target in targets:
        print(target.line())
    data = {"endpoint": "POST /api/tracking/s2s", "bare": bare.result.to_dict(),
            "stack": {"offeredPerSecond": opts.rate, "offered": result["due"],
                      "eventsPerSecond": round(rps, 1), "p50Ms": p50, "p99Ms": p99,
                      "non2xx": result["non2xx"], "errors": result["errors"],
                      "secondP99Ms": seconds,
                      "secondCommitProbeMaxMs": result.get("secondCommitMaxMs"),
                      "diskBursts": result.get("diskBursts")},
            "bookedPerSecond": round(booked / elapsed, 1), "drainSeconds": round(drain_s, 2),
            "rawInsertRowsPerSecond": round(raw_rps, 1),
            "cpu": observer.cpu.to_dict() if observer.cpu else None,
            "stackCpuMicrosPerSale": round(micros) if micros is not None else None,
            "profiles": [s.to_dict() for s in summaries],
            "targets": [t.to_dict() for t in targets]}
    print(f"\nwrote {write_json(NAME, data)}")
    return 2 if result["non2xx"] or not result["ok"] else 0
