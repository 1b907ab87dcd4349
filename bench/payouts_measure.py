"""One repetition of ``payouts_run``: a fresh org seeded, its preview and run timed over HTTP,
the answer checked, and the wait until the ledger turned every commission Paid."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from bench import procs
from bench.common import BenchError
from bench.cpu import CpuReport, CpuWindow, ProcGroup
from bench.payouts_baseline import CopyTiming
from bench.payouts_data import AFFILIATES, CONVERSIONS, Seeded, seed, wait_drained
from bench.payouts_watch import RunWatch
from bench.pg_sampler import PgActivitySampler
from bench.profile import ProfileSummary, PySpyRecorder
from bench.stack import Org, RekomiStack

PROGRAM = {"name": "Bench payouts", "defaultCommissionType": "Percentage",
           "defaultCommissionValue": 20}
RUN_TIMEOUT = 300.0
# py-spy records at most this long; it is stopped as soon as the run answers.
PROFILE_CAP_SECONDS = 120


@dataclass
class Repetition:
    preview_ms: float
    run_ms: float
    paid_ms: float  # from sending the run until all its commissions are Paid
    response_bytes: int
    segments_ms: dict[str, Any]
    cpu_seconds: dict[str, float]
    settle_cpu_seconds: dict[str, float]  # from the answer until every commission was Paid
    busy_before_pct: float = 0.0
    baseline: CopyTiming | None = None
    sql_activity: list[tuple[str, str, str, float]] = field(default_factory=list)
    profiles: list[ProfileSummary] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"previewMs": round(self.preview_ms, 1), "runMs": round(self.run_ms, 1),
                "allPaidMs": round(self.paid_ms, 1), "responseBytes": self.response_bytes,
                "segmentsMs": self.segments_ms,
                "cpuSecondsDuringRun": {k: round(v, 2) for k, v in self.cpu_seconds.items()},
                "cpuSecondsUntilPaid": {k: round(v, 2)
                                        for k, v in self.settle_cpu_seconds.items()},
                "machineBusyBeforePct": round(self.busy_before_pct, 1),
                "baseline": self.baseline.to_dict() if self.baseline else None,
                "sqlActivity": [[a, s, q, round(t, 2)] for a, s, q, t in self.sql_activity],
                "profiles": [p.to_dict() for p in self.profiles]}


async def _post(stack: RekomiStack, org: Org, path: str, body: dict[str, Any]
                ) -> tuple[float, bytes]:
    """Milliseconds until the whole answer was read (not parsed), and the answer."""
    headers = {**org.auth, "Content-Type": "application/json"}
    started = time.perf_counter()
    status, raw = await asyncio.to_thread(procs.http, "POST", stack.base_url + path,
                                          body=json.dumps(body).encode(), headers=headers,
                                          timeout=RUN_TIMEOUT)
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        raise BenchError(f"POST {path} answered {status}: {raw[:500]!r}")
    return elapsed, raw


def _selection(seeded: Seeded) -> dict[str, Any]:
    return {"method": "Manual", "affiliateIds": None,
            "periodStart": seeded.period_start.isoformat(),
            "periodEnd": seeded.period_end.isoformat()}


def _check_preview(shown: dict[str, Any], seeded: Seeded) -> None:
    got = (shown["totalCents"], shown["currency"], shown["eligibleCount"],
           shown["ineligibleCount"])
    if got != (seeded.total_cents, "USD", AFFILIATES, 0):
        raise BenchError(f"preview answered (total, currency, eligible, ineligible) {got}, "
                         f"expected {(seeded.total_cents, 'USD', AFFILIATES, 0)}")


def _check_run(paid: list[dict[str, Any]], seeded: Seeded) -> None:
    total = sum(p["amountCents"] for p in paid)
    lines = sum(len(p["lineItems"]) for p in paid)
    statuses = {p["status"] for p in paid}
    if (len(paid), total, lines, statuses) != (AFFILIATES, seeded.total_cents, CONVERSIONS,
                                               {"Paid"}):
        raise BenchError(f"run answered {len(paid)} payouts, {total} cents, {lines} line items, "
                         f"statuses {statuses}; expected {AFFILIATES}, {seeded.total_cents}, "
                         f"{CONVERSIONS}, {{'Paid'}}")


async def _setup(stack: RekomiStack, dsn: str) -> tuple[Org, Seeded]:
    org = await asyncio.to_thread(stack.create_org)
    program = await asyncio.to_thread(stack.request, "POST", "/api/v1/programs", org, PROGRAM,
                                      201)
    seeded = await seed(dsn, org.org_id, program["id"])
    await wait_drained(dsn, stack.vhost)  # the org's own events, before the clock starts
    return org, seeded


async def measure_once(stack: RekomiStack, dsn: str,
                       groups: Callable[[RekomiStack], list[ProcGroup]],
                       profiler: PySpyRecorder | None, *, profile_sql: bool) -> Repetition:
    org, seeded = await _setup(stack, dsn)
    preview_ms, raw = await _post(stack, org, "/api/v1/payouts/preview", _selection(seeded))
    _check_preview(json.loads(raw), seeded)

    conn = await asyncpg.connect(dsn)
    watch = RunWatch(conn, uuid.UUID(org.org_id))
    sampler = PgActivitySampler(dsn) if profile_sql else None
    watcher: asyncio.Task[None] | None = None
    try:
        cpu = CpuWindow(groups(stack))
        if sampler is not None:
            await sampler.start()
        if profiler is not None:
            profiler.begin(PROFILE_CAP_SECONDS)
        cpu.start()
        watch.moments["sent"] = time.time()
        watcher = asyncio.create_task(watch.watch())
        body = {**_selection(seeded), "confirmTotalCents": seeded.total_cents}
        run_ms, raw = await _post(stack, org, "/api/v1/payouts/run", body)
        watch.moments["answered"] = time.time()
        report = cpu.stop()
        settle_cpu = CpuWindow(groups(stack))
        settle_cpu.start()
        await _stop_observers(profiler, sampler)
        _check_run(json.loads(raw), seeded)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(watcher, 60)
        settled = await watch.settled_all(AFFILIATES, RUN_TIMEOUT)
        settle_report = settle_cpu.stop()
        await watch.add_stamps()
        paid_rows = await conn.fetchval(
            "SELECT count(*) FROM ledger.conversions WHERE org_id = $1 AND status = 'Paid'",
            seeded.org_id)
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        await _stop_observers(profiler, sampler)
        await conn.close()
    if paid_rows != CONVERSIONS:
        raise BenchError(f"{paid_rows} commissions Paid after the run, expected {CONVERSIONS}")
    await wait_drained(dsn, stack.vhost)
    return Repetition(
        preview_ms=preview_ms, run_ms=run_ms,
        paid_ms=(settled - watch.moments["sent"]) * 1000, response_bytes=len(raw),
        segments_ms=watch.segments_ms(),
        cpu_seconds=_cpu_seconds(report),
        settle_cpu_seconds=_cpu_seconds(settle_report),
        sql_activity=sampler.top() if sampler is not None else [],
        profiles=list(profiler.summaries) if profiler is not None else [])


def _cpu_seconds(report: CpuReport) -> dict[str, float]:
    return {k: pct * report.seconds / 100 for k, pct in report.by_group.items()}


async def _stop_observers(profiler: PySpyRecorder | None,
                          sampler: PgActivitySampler | None) -> None:
    """Stop py-spy and the SQL sampler now (safe to repeat)."""
    if profiler is not None:
        profiler.interrupt()
        profiler.end()  # in the main thread: stopping a process masks signals there
    if sampler is not None:
        await sampler.stop()
