"""Scenario ``webhooks_deliveries``: deliveries/s from the webhooks dispatcher to a local
receiver, beside a bare aiohttp client posting the same bodies to the same receiver in the same
run; then the healthy endpoints' rate again with one hanging endpoint among them.

The backlog is written straight into the webhooks tables (``ENDPOINTS`` x ``PER_ENDPOINT``
deliveries), so the figure is the dispatcher's: claim, sign, POST, record. To keep the two
stack windows comparable the backlog is loaded while its endpoints are inactive (the dispatcher
ignores them), then released at once by activating them; only then do the warm-up and the
measured window start. Rows are due in an order that interleaves the endpoints (the hanging one
included), so no endpoint is starved by ties. Only the healthy endpoints' deliveries are
counted. The windows run in the order bare, A, B, B, A, bare (A: healthy endpoints only, B:
with the hanging one) and the figures are their means, so other load that drifts during the
run (the machine is shared) weighs on both sides of each ratio alike; the CPU each delivery
costs is printed too, as it moves much less with that load. The stack uses its own database
and namespace so another bench sharing ``rekomi_bench`` cannot deliver (or steal) this
backlog; what a run leaves open is closed at its end and before the next one starts.

Targets (from the issue): stack >= 0.5 x bare deliveries/s, and a hanging endpoint lowers the
others' rate by under 10 %.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import asyncpg

from bench import procs
from bench.common import RESULTS_DIR, ROOT, BenchError, BenchOptions
from bench.cpu import CpuReport, CpuWindow, ProcGroup, infra_groups, machine_busy, processes
from bench.profile import PySpyRecorder
from bench.report import Target, cpu_table, profile_lines, write_json
from bench.stack import RekomiStack

NAME = "webhooks_deliveries"
ENDPOINTS = 32
PER_ENDPOINT = 4000
CONCURRENCY = 128
DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/rekomi_bench_webhooks"
BODY = json.dumps({"id": "0190f3c2-7d1e-7a4b-9c5d-3e2f1a0b9c8d", "type": "affiliate.created",
                   "createdAt": "2026-01-01T00:00:00Z",
                   "data": {"id": "aff_1", "email": "a@example.com", "status": "Approved"}},
                  separators=(",", ":"))
OVERRIDES = {"REKOMI_WEBHOOKS_ALLOW_LOOPBACK": "true",
             "REKOMI_WEBHOOKS_DISPATCH_CONCURRENCY": str(CONCURRENCY),
             "REKOMI_DATABASE_URL": DATABASE_URL,
             "REKOMI_NAMESPACE": "rekomibenchwh",
             # Two webhooks processes share the dispatch (one event loop leaves a core idle).
             "REKOMI_WEBHOOKS_REPLICAS": "2"}
# Due one microsecond apart per row index, so the claim's ORDER BY next_attempt_at interleaves
# the endpoints; all of it is in the past once released.
_BACKLOG = """
INSERT INTO webhooks.deliveries (id, org_id, endpoint_id, event_id, event_type, body, status,
                                 attempts, next_attempt_at, created_at)
SELECT upper(substr(md5(random()::text), 1, 26)), e.org_id, e.id, gen_random_uuid(),
       'affiliate.created', $2, 'Pending', 0, now() + g * interval '1 microsecond', now()
FROM webhooks.endpoints e, generate_series(1, $3) g WHERE e.id = ANY($1::uuid[])
"""
QUIET_LIMIT_PCT = 30.0
# The processes whose CPU one delivery costs, per window kind: figures that other engineers'
# load on a shared machine moves much less than the rates (see ``Window.cpu_per_delivery``).
BARE_COST = ("client", "receiver")
STACK_COST = ("webhooks", "postgres (bench db)", "receiver")


class Receiver:
    def __init__(self) -> None:
        self.proc = procs.spawn([sys.executable, "-m", "bench.webhooks_receiver"], cwd=ROOT,
                                stdout=subprocess.PIPE)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode().split()
        if len(line) != 2 or line[0] != "READY":
            raise BenchError(f"receiver did not start (said {line!r})")
        self.base = f"http://127.0.0.1:{line[1]}"

    def stats(self) -> dict[str, int]:
        status, raw = procs.http("GET", f"{self.base}/stats")
        if status != 200:
            raise BenchError(f"receiver stats answered {status}")
        data: dict[str, int] = json.loads(raw)
        return data

    def stop(self) -> None:
        procs.stop(self.proc, grace=5.0)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@dataclass(frozen=True, slots=True)
class Window:
    """One measured window: healthy deliveries/s, hanging attempts, CPU."""

    label: str
    rate: float
    hanging_attempts: int
    cpu: CpuReport
    busy_before: float

    def cpu_per_delivery(self, groups: tuple[str, ...]) -> float:
        """Microseconds of CPU the given process groups spent per healthy delivery."""
        return self.cpu.micros_per_item(self.rate, groups)

    def to_dict(self) -> dict[str, Any]:
        return {"deliveriesPerSecond": round(self.rate, 1),
                "hangingAttempts": self.hanging_attempts, "busyBeforePct": round(
                    self.busy_before, 1), "cpu": self.cpu.to_dict()}


def _busy_before(label: str) -> float:
    busy = machine_busy(1.0)
    if busy > QUIET_LIMIT_PCT:
        print(f"  WARNING: the machine is already {busy:.0f}% (of one core) busy before the "
              f"{label} window: other processes are competing, figures will be noisy",
              flush=True)
    return busy


async def _bare(base: str, opts: BenchOptions, groups: list[ProcGroup], label: str
                ) -> Window:
    """A bare aiohttp client posting the same bodies, ``CONCURRENCY`` at once."""
    headers = {"Content-Type": "application/json", "X-Rekomi-Event": "affiliate.created",
               "X-Rekomi-Delivery-Id": "01J0000000000000000000000Z",
               "X-Rekomi-Signature": "t=1,v1=" + "0" * 64}
    counts = [0]
    busy = await asyncio.to_thread(_busy_before, label)
    end = time.monotonic() + opts.warmup + opts.duration
    measure_from = time.monotonic() + opts.warmup
    cpu = CpuWindow(groups)

    async def worker(n: int, session: aiohttp.ClientSession) -> None:
        while (now := time.monotonic()) < end:
            async with session.post(f"{base}/ok/{n % ENDPOINTS}", data=BODY,
                                    headers=headers) as response:
                await response.read()
            if now >= measure_from:
                counts[0] += 1

    async def observe() -> CpuReport:
        await asyncio.sleep(max(0.0, measure_from - time.monotonic()))
        cpu.start()
        await asyncio.sleep(max(0.0, end - time.monotonic()))
        return cpu.stop()

    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:
        report, *_ = await asyncio.gather(observe(), *(worker(n, session)
                                                      for n in range(CONCURRENCY)))
    assert isinstance(report, CpuReport)
    return Window(label, counts[0] / opts.duration, 0, report, busy)


async def _load(healthy: list[str], hanging: list[str], per_endpoint: int) -> None:
    """Park every endpoint, close what is left open, insert the backlog, then release the
    endpoints of this window at once (one short transaction) and wake the dispatchers.
    Attempts of the previous window still in flight finish during the warm-up."""
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        everyone = healthy + hanging
        await conn.execute("UPDATE webhooks.endpoints SET is_active = false, "
                           "failing_since = NULL WHERE id = ANY($1::uuid[])", everyone)
        for retry in range(5):  # the dispatcher is still recording the last attempts
            try:
                await conn.execute(
                    "UPDATE webhooks.deliveries SET status = 'Failed', next_attempt_at = NULL, "
                    "lease_until = NULL, lease_token = NULL "
                    "WHERE status IN ('Pending', 'Retrying')")
                break
            except asyncpg.DeadlockDetectedError:
                if retry == 4:
                    raise
        # Both windows start from the same table shape: without this the second one's claims
        # walk the dead index entries the reset above (and the first window) left behind.
        await conn.execute("VACUUM (ANALYZE) webhooks.deliveries")
        await conn.execute(_BACKLOG, everyone, BODY, per_endpoint)
        await conn.execute("ANALYZE webhooks.deliveries")
        # Every window starts right after a checkpoint, so each pays the same full-page writes
        # instead of whichever window a timed checkpoint happens to fall in.
        await conn.execute("CHECKPOINT")
        await conn.execute("UPDATE webhooks.endpoints SET is_active = true "
                           "WHERE id = ANY($1::uuid[])", everyone)
        await conn.execute("SELECT pg_notify('rekomi_webhooks', '')")
    finally:
        await conn.close()


async def _close_everything() -> None:
    """Deactivate every endpoint and close every open delivery (best effort: the database may
    not exist yet), so a new stack does not start on an old run's backlog."""
    try:
        conn = await asyncpg.connect(DATABASE_URL)
    except (OSError, asyncpg.PostgresError):
        return
    try:
        await conn.execute("UPDATE webhooks.endpoints SET is_active = false")
        await conn.execute("UPDATE webhooks.deliveries SET status = 'Failed', "
                           "next_attempt_at = NULL WHERE status IN ('Pending', 'Retrying')")
    except asyncpg.PostgresError:
        pass
    finally:
        await conn.close()


async def _open_left(healthy: list[str]) -> int:
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        left: int = await conn.fetchval(
            "SELECT count(*) FROM webhooks.deliveries WHERE endpoint_id = ANY($1::uuid[]) "
            "AND status IN ('Pending', 'Retrying')", healthy)
    finally:
        await conn.close()
    return left


def _stack_window(label: str, receiver: Receiver, opts: BenchOptions, healthy: list[str],
                  hanging: list[str], groups: list[ProcGroup],
                  profiler: PySpyRecorder | None) -> Window:
    asyncio.run(_load(healthy, hanging, PER_ENDPOINT))
    time.sleep(opts.warmup)
    busy = _busy_before(label)
    cpu = CpuWindow(groups)
    before, started = receiver.stats(), time.monotonic()
    cpu.start()
    if profiler is not None:
        profiler.begin(opts.duration)
    time.sleep(opts.duration)
    after, ended = receiver.stats(), time.monotonic()
    report = cpu.stop()
    if profiler is not None:
        profiler.end()
    if asyncio.run(_open_left(healthy)) == 0:
        raise BenchError(f"{label}: the backlog ran out inside the window; raise PER_ENDPOINT")
    return Window(label, (after["ok"] - before["ok"]) / (ended - started),
                  after["hang"] - before["hang"], report, busy)


def _endpoints(stack: RekomiStack, receiver: Receiver, kind: str, count: int) -> list[str]:
    org = stack.create_org()
    return [stack.request("POST", "/api/v1/webhooks", org,
                          {"url": f"{receiver.base}/{kind}/{n}", "events": ["*"]},
                          expect=201)["id"] for n in range(count)]


def _mean(windows: list[Window]) -> float:
    return sum(w.rate for w in windows) / len(windows)


def _print_window(window: Window) -> None:
    extra = (f"; the hanging endpoint got {window.hanging_attempts} attempts"
             if window.label.startswith("with hanging") else "")
    print(f"  {window.label}: {window.rate:.0f} healthy deliveries/s (machine "
          f"{window.cpu.machine_busy_pct:.0f}% busy{extra})", flush=True)


def run(opts: BenchOptions) -> int:
    """Windows in the order bare, A, B, B, A, bare (A: healthy endpoints only, B: with the
    hanging one), so a drift in the machine's other load weighs on both sides alike."""
    print(f"== {NAME}: {ENDPOINTS} endpoints x {PER_ENDPOINT} deliveries, dispatcher "
          f"concurrency {CONCURRENCY}, {opts.warmup} s warm-up + {opts.duration} s measured "
          "per window; order bare, A, B, B, A, bare", flush=True)
    receiver = Receiver()
    profiler: PySpyRecorder | None = None
    bare: list[Window] = []
    alone: list[Window] = []
    beside: list[Window] = []
    try:
        receiver_group = ProcGroup("receiver", (receiver.proc.pid,))
        bare_groups = [ProcGroup("client", (os.getpid(),)), receiver_group, *infra_groups()]
        bare.append(asyncio.run(_bare(receiver.base, opts, bare_groups, "bare 1")))
        _print_window(bare[-1])
        stack = RekomiStack(gateway_port=opts.gateway_port, ops_base_port=opts.ops_base_port,
                            overrides=OVERRIDES)
        asyncio.run(_close_everything())
        with stack:
            healthy = _endpoints(stack, receiver, "ok", ENDPOINTS)
            hanging = _endpoints(stack, receiver, "hang", 1)
            pids = stack.service_pids()
            replicas = tuple(stack.replica_pids().get("webhooks", []))
            if "webhooks" not in pids:
                raise BenchError("cannot find the stack's webhooks process")
            db = DATABASE_URL.rsplit("/", 1)[1]
            backends = tuple(pid for pid, comm, cmdline in processes()
                             if comm == "postgres" and f" {db} " in f"{cmdline} ")
            groups = [ProcGroup("webhooks", replicas),
                      ProcGroup("postgres (bench db)", backends), receiver_group,
                      *infra_groups()]
            if "webhooks" in opts.profile:
                profiler = PySpyRecorder({"webhooks": pids["webhooks"]}, RESULTS_DIR, NAME)
            for n, with_hanging in enumerate((False, True, True, False)):
                if with_hanging:
                    beside.append(_stack_window(f"with hanging {len(beside) + 1}", receiver,
                                                opts, healthy, hanging, groups, None))
                    _print_window(beside[-1])
                else:
                    alone.append(_stack_window(f"healthy only {len(alone) + 1}", receiver,
                                               opts, healthy, [], groups,
                                               profiler if n == 0 else None))
                    _print_window(alone[-1])
            asyncio.run(_close_everything())
        bare.append(asyncio.run(_bare(receiver.base, opts, bare_groups, "bare 2")))
        _print_window(bare[-1])
        if not all(w.hanging_attempts for w in beside):
            print("  WARNING: the hanging endpoint got no attempt in a window: the drop is not "
                  "measured there", flush=True)
    finally:
        receiver.stop()
    return _report(opts, bare, alone, beside, profiler)


def _report(opts: BenchOptions, bare: list[Window], alone: list[Window],
            beside: list[Window], profiler: PySpyRecorder | None) -> int:
    bare_rate, alone_rate, beside_rate = _mean(bare), _mean(alone), _mean(beside)
    ratio = alone_rate / bare_rate if bare_rate else 0.0
    drop = (alone_rate - beside_rate) / alone_rate if alone_rate else 1.0
    print(f"\nmeans: bare {bare_rate:.0f}/s, stack {alone_rate:.0f}/s, stack with a hanging "
          f"endpoint {beside_rate:.0f}/s (healthy deliveries only)")
    targets = [Target("stack / bare deliveries/s", ratio, 0.5, "x", at_least=True),
               Target("healthy-rate drop, 1 hanging endpoint", drop * 100, 10.0, "%",
                      at_least=False)]
    print("\ntargets")
    for target in targets:
        print(target.line())
    bare_cost = sum(w.cpu_per_delivery(BARE_COST) for w in bare) / len(bare)
    stack_cost = sum(w.cpu_per_delivery(STACK_COST) for w in alone) / len(alone)
    beside_cost = sum(w.cpu_per_delivery(STACK_COST) for w in beside) / len(beside)
    print(f"\nCPU per delivery: bare {bare_cost:.0f} us ({' + '.join(BARE_COST)}), stack "
          f"{stack_cost:.0f} us ({' + '.join(STACK_COST)}); with the hanging endpoint "
          f"{beside_cost:.0f} us; bare/stack "
          f"{bare_cost / stack_cost if stack_cost else 0.0:.2f} (an efficiency figure that "
          "other load moves less than the rates; not the target)")
    print("\nCPU during the measured windows (% of one core)")
    windows = [*bare, *alone, *beside]
    for window in windows:
        print(cpu_table(f"{window.label:<14}", window.cpu))
    summaries = profiler.summaries if profiler is not None else []
    for summary in summaries:
        print("\npy-spy profile of the first healthy-only window (share of on-CPU samples)")
        print(profile_lines(summary))
    data: dict[str, Any] = {
        "endpoints": ENDPOINTS, "perEndpoint": PER_ENDPOINT, "concurrency": CONCURRENCY,
        "duration": opts.duration, "warmup": opts.warmup,
        "bareDeliveriesPerSecond": round(bare_rate, 1),
        "stackDeliveriesPerSecond": round(alone_rate, 1),
        "stackWithHangingPerSecond": round(beside_rate, 1), "ratio": round(ratio, 4),
        "drop": round(drop, 4),
        "cpuPerDeliveryUs": {"bare": round(bare_cost, 1), "stack": round(stack_cost, 1),
                             "stackWithHanging": round(beside_cost, 1)},
        "windows": {w.label: w.to_dict() for w in windows},
        "profiles": [s.to_dict() for s in summaries],
        "targets": [t.to_dict() for t in targets]}
    print(f"\nwrote {write_json(NAME, data)}")
    return 0
