"""Scenario ``affiliates_import``: ``POST /api/v1/affiliates/import`` with 1,000 fresh rows per
call through the whole stack (gateway -> RabbitMQ RPC -> ledger -> PostgreSQL: validation,
dedupe, affiliates, links, MigrationJob, 2,000 outbox events, audit), one import after another
(the API allows one import per org at a time), for ``--duration`` seconds after ``--warmup``.

Baseline, same run and database: a raw asyncpg transaction inserting the same 1,000 affiliates
and their links with two ``unnest`` statements (the floor for writing those rows at all).

Target (from the issue): a 1,000-row import answers in under 1 s (p99 of one import).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg

from bench import procs
from bench.common import BenchError, BenchOptions
from bench.report import Target, environment, write_json
from bench.stack import BENCH_ENV, VHOST, RekomiStack, bench_stack

NAME = "affiliates_import"
ROWS = 1000
TARGET_MS = 1000.0
PROGRAM = {"name": "Bench import", "defaultCommissionType": "Percentage",
           "defaultCommissionValue": 20}
BASELINE_SQL = (
    "WITH a AS (INSERT INTO ledger.affiliates (id, org_id, program_id, email, full_name, status, "
    "source, created_at, updated_at) SELECT u.id, $1, $2, u.email, u.name, 'Approved', "
    "'Direct', now(), now() FROM unnest($3::uuid[], $4::text[], $5::text[]) AS u(id, email, "
    "name) RETURNING id) INSERT INTO ledger.affiliate_links (id, org_id, affiliate_id, slug, "
    "is_default, format, created_at) SELECT gen_random_uuid(), $1, a.id, 'b-' || a.id::text, "
    "true, 'Short', now() FROM a")


def roster(tag: str) -> list[dict[str, Any]]:
    return [{"email": f"u{i}@{tag}.bench.example", "fullName": f"Bench User {i}",
             "paypalEmail": f"pay{i}@{tag}.bench.example", "status": "approved"}
            for i in range(ROWS)]


def _timed_loop(once: Callable[[], None], opts: BenchOptions,
                before: Callable[[], None] = lambda: None) -> list[float]:
    """Run ``once`` repeatedly (``before`` each, untimed): warm-up seconds discarded, then
    ``duration`` seconds of import time kept."""
    for phase, seconds in (("warmup", opts.warmup), ("measure", opts.duration)):
        samples: list[float] = []
        while sum(samples) / 1000 < seconds or (phase == "measure" and len(samples) < 5):
            before()
            started = time.perf_counter()
            once()
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def _outbox_drained() -> None:
    """Wait until the ledger relayed every staged event (the previous import's 2,000)."""
    async def wait() -> None:
        conn = await asyncpg.connect(BENCH_ENV["REKOMI_DATABASE_URL"])
        try:
            deadline = time.monotonic() + 60
            while await conn.fetchval("SELECT count(*) FROM ledger.outbox"):
                if time.monotonic() > deadline:
                    raise BenchError("the ledger outbox did not drain within 60 s")
                await asyncio.sleep(0.05)
        finally:
            await conn.close()
    asyncio.run(wait())
    _queues_drained()


def _queues_drained(vhost: str = VHOST) -> None:
    """Then until every consumer (tracking's link index, webhooks' fan-out) has digested those
    events, so "one import" is measured on an idle stack; "back to back" keeps the overlap."""
    deadline = time.monotonic() + 60
    while True:
        listing = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "messages"],
                                 capture_output=True, text=True, timeout=30, check=False)
        counts = [int(n) for n in listing.stdout.split() if n.isdigit()]
        if listing.returncode == 0 and not any(counts):
            return
        if time.monotonic() > deadline:
            raise BenchError("the bench queues did not drain within 60 s")
        time.sleep(0.2)


def _summary(label: str, samples: list[float]) -> dict[str, Any]:
    ordered = sorted(samples)
    total_s = sum(samples) / 1000
    summary = {"label": label, "imports": len(samples),
               "importsPerSecond": round(len(samples) / total_s, 3),
               "rowsPerSecond": round(len(samples) * ROWS / total_s, 1),
               "p50Ms": round(statistics.median(ordered), 2),
               "p99Ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
               "maxMs": round(ordered[-1], 2)}
    print(f"  {label}: {summary['importsPerSecond']:.2f} imports/s, "
          f"{summary['rowsPerSecond']:.0f} rows/s, p50 {summary['p50Ms']:.1f} ms, "
          f"p99 {summary['p99Ms']:.1f} ms ({len(samples)} imports)", flush=True)
    return summary


def _measure_stack(opts: BenchOptions, stack: RekomiStack) -> list[dict[str, Any]]:
    org = stack.create_org()
    program = stack.request("POST", "/api/v1/programs", org, PROGRAM, expect=201)
    url = f"{stack.base_url}/api/v1/affiliates/import"
    headers = {**org.auth, "Content-Type": "application/json"}

    def once() -> None:
        body = json.dumps({"programId": program["id"], "affiliates": roster(uuid.uuid4().hex)})
        status, raw = procs.http("POST", url, body=body.encode(), headers=headers,
                                 timeout=opts.timeout * 6)
        if status != 200 or json.loads(raw)["imported"] != ROWS:
            raise BenchError(f"import answered {status}: {raw[:300]!r}")

    print(f"  POST {url}, {ROWS} rows per import (org {org.org_id}) ...", flush=True)
    # One import at a time, as the target reads; then back to back, where each import overlaps
    # the relay of the previous one's 2,000 events to the broker (throughput).
    single = _summary("stack, one import", _timed_loop(once, opts, before=_outbox_drained))
    return [single, _summary("stack, back to back", _timed_loop(once, opts))]


def _measure_baseline(opts: BenchOptions) -> dict[str, Any]:
    async def main() -> list[float]:
        conn = await asyncpg.connect(BENCH_ENV["REKOMI_DATABASE_URL"])
        org_id = uuid.uuid4()
        try:
            program_id = await conn.fetchval(
                "SELECT id FROM ledger.programs ORDER BY created_at DESC LIMIT 1")
            loop = asyncio.get_running_loop()
            samples: list[float] = []
            for phase, seconds in (("warmup", opts.warmup), ("measure", opts.duration)):
                samples = []
                ends = loop.time() + seconds
                while loop.time() < ends or (phase == "measure" and len(samples) < 3):
                    rows = roster(uuid.uuid4().hex)
                    started = time.perf_counter()
                    async with conn.transaction():
                        await conn.execute(BASELINE_SQL, org_id, program_id,
                                           [uuid.uuid4() for _ in rows],
                                           [r["email"] for r in rows],
                                           [r["fullName"] for r in rows])
                    samples.append((time.perf_counter() - started) * 1000)
            return samples
        finally:
            await conn.close()

    return _summary("raw asyncpg INSERT", asyncio.run(main()))


def run(opts: BenchOptions) -> int:
    print(f"== {NAME}: POST /api/v1/affiliates/import, {ROWS} rows per call, sequential, "
          f"{opts.warmup} s warm-up + {opts.duration} s measured", flush=True)
    stack = bench_stack(opts, {"REKOMI_IMPORT_RATE_LIMIT_PER_MINUTE": "1000000"})
    print("[1/2] rekomi stack: ensure-infra, migrate, rekomi run ...", flush=True)
    with stack:
        measured, busy = _measure_stack(opts, stack)
    print("[2/2] baseline: raw asyncpg INSERT of the same rows ...", flush=True)
    baseline = _measure_baseline(opts)
    targets = [Target(f"p99 of one {ROWS}-row import", measured["p99Ms"], TARGET_MS, "ms",
                      at_least=False),
               Target(f"p50 of one {ROWS}-row import", measured["p50Ms"], TARGET_MS, "ms",
                      at_least=False)]
    ratio = measured["p50Ms"] / baseline["p50Ms"] if baseline["p50Ms"] else 0.0
    print(f"\n== {NAME} results")
    for row in (baseline, measured, busy):
        print(f"  {row['label']:<22} {row['importsPerSecond']:8.2f} imports/s "
              f"{row['rowsPerSecond']:10.0f} rows/s  p50 {row['p50Ms']:8.1f} ms  "
              f"p99 {row['p99Ms']:8.1f} ms")
    print(f"  stack p50 / baseline p50: {ratio:.1f}x")
    print("\ntargets  (a 1,000-row import answers in under 1 s)")
    for target in targets:
        print(target.line())
    path = write_json(NAME, {"endpoint": "POST /api/v1/affiliates/import", "rowsPerImport": ROWS,
                             "config": environment(opts), "stack": measured,
                             "stackBackToBack": busy,
                             "baseline": baseline, "ratioP50": round(ratio, 2),
                             "targets": [t.to_dict() for t in targets]})
    print(f"\nwrote {path}")
    return 0
