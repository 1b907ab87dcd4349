"""Scenario ``payouts_run``: one ``Manual`` payout run over 10,000 affiliates and 100,000
Approved commissions through the whole stack (gateway -> RabbitMQ RPC -> payouts -> ledger claim
in one transaction -> payouts write with COPY, 20,000 outbox events and an audit row -> the
10,000 payouts answered over the bus and HTTP), after its preview; repeated on a fresh org.

Set-up (untimed): an org and its program through the API, then the affiliates and commissions
with direct SQL (``bench/payouts_data.py``: acceptable for a bench, and the only way to have
100,000 Approved rows in seconds). Timed: ``POST /api/v1/payouts/preview``, then
``POST /api/v1/payouts/run`` with the preview's ``totalCents``; a wrong answer (not 10,000
Paid payouts, not the seeded total) is a bench error. Reported apart: how long until the ledger
has turned all 100,000 commissions Paid (it follows ``payout.paid`` asynchronously).

Baseline, same run and database (``bench/payouts_baseline.py``): one transaction COPYing the
same number of payout rows and line items into tables like the payouts service's own.

Target (from the issue): the run answers in under 10 s AND within 20x of the COPY baseline; the
ratio decides when machines differ.

The stack runs with its default settings: the run route waits up to its own ``rpc_timeout``
(120 s, services/gateway/entrypoints/http/routes/payouts.py), not the 5-s RPC default."""

from __future__ import annotations

import asyncio
import statistics

from bench import payouts_baseline as baseline
from bench.common import RESULTS_DIR, BenchError, BenchOptions
from bench.cpu import ProcGroup, infra_groups, machine_busy, processes
from bench.payouts_data import AFFILIATES, CONVERSIONS, PER_AFFILIATE
from bench.payouts_measure import Repetition, measure_once
from bench.profile import PySpyRecorder
from bench.report import Target, environment, profile_lines, write_json
from bench.stack import BENCH_ENV, RekomiStack, bench_stack

NAME = "payouts_run"
REPEATS = 3
TARGET_S = 10.0
RATIO_TARGET = 20.0
DSN = BENCH_ENV["REKOMI_DATABASE_URL"]
WATCHED = ("gateway", "payouts", "ledger", "webhooks")


def _groups(stack: RekomiStack) -> list[ProcGroup]:
    replicas = stack.replica_pids()
    db = DSN.rsplit("/", 1)[1]
    backends = tuple(pid for pid, comm, cmdline in processes()
                     if comm == "postgres" and f" {db} " in f"{cmdline} ")
    rabbit = [g for g in infra_groups() if g.name == "rabbitmq"]
    return [*(ProcGroup(n, tuple(replicas.get(n, []))) for n in WATCHED),
            ProcGroup("postgres (bench db)", backends), *rabbit]


def _profiler(opts: BenchOptions, stack: RekomiStack) -> PySpyRecorder | None:
    if not opts.profile:
        return None
    pids = stack.service_pids()
    return PySpyRecorder({s: pids[s] for s in opts.profile if s in pids}, RESULTS_DIR, NAME)


async def _measure(opts: BenchOptions, stack: RekomiStack) -> list[Repetition]:
    await baseline.prepare(DSN)
    reps: list[Repetition] = []
    for n in range(REPEATS):
        busy = await asyncio.to_thread(machine_busy, 1.0)
        if busy > 40:
            print(f"  WARNING: the machine is {busy:.0f}% (of one core) busy before "
                  f"repetition {n + 1}: figures will be noisy", flush=True)
        rep = await measure_once(stack, DSN, _groups, _profiler(opts, stack) if n == 0 else None,
                                 profile_sql=bool(opts.profile) and n == 0)
        rep.busy_before_pct = busy
        rep.baseline = await baseline.copy_once(DSN)
        print(f"  [{n + 1}/{REPEATS}] preview {rep.preview_ms:.0f} ms, run {rep.run_ms:.0f} ms "
              f"({rep.response_bytes / 1e6:.1f} MB), all Paid after {rep.paid_ms:.0f} ms; "
              f"COPY baseline {rep.baseline.total_ms:.0f} ms", flush=True)
        reps.append(rep)
    return reps


def _median(reps: list[Repetition], key: str) -> float:
    return float(statistics.median(getattr(r, key) for r in reps))


def _report(opts: BenchOptions, reps: list[Repetition]) -> int:
    run_ms, preview_ms, paid_ms = (_median(reps, k) for k in ("run_ms", "preview_ms", "paid_ms"))
    copy = baseline.median_of([r.baseline for r in reps if r.baseline is not None])
    ratio = run_ms / copy.total_ms if copy.total_ms else 0.0
    targets = [Target("run of 10,000 payouts (median)", run_ms / 1000, TARGET_S, "s",
                      at_least=False),
               Target("run / COPY baseline (median)", ratio, RATIO_TARGET, "x", at_least=False)]
    print(f"\n== {NAME} results (median of {len(reps)}; {AFFILIATES:,} payouts, "
          f"{CONVERSIONS:,} line items)")
    print(f"  preview                      {preview_ms:9.0f} ms")
    print(f"  run (answered)               {run_ms:9.0f} ms")
    print(f"  all {CONVERSIONS:,} commissions Paid {paid_ms:9.0f} ms after the run was sent")
    print(f"  COPY baseline                {copy.total_ms:9.0f} ms  (payouts "
          f"{copy.payouts_ms:.0f} + line items {copy.lines_ms:.0f}, with commit)")
    print(f"  run / baseline               {ratio:9.1f}x")
    print("\n  where the run's time went (ms, per repetition; see bench/payouts_watch.py)")
    for segment in reps[0].segments_ms:
        cells = " ".join(f"{r.segments_ms[segment] or 0:8.0f}" for r in reps)
        print(f"    {segment:<52} {cells}")
    for label, seconds in (("the run", reps[0].cpu_seconds),
                           ("the wait for Paid", reps[0].settle_cpu_seconds)):
        print(f"  CPU seconds during {label} (first repetition): " + ", ".join(
            f"{k} {v:.2f}" for k, v in seconds.items()))
    _print_profiles(reps[0])
    print("\ntargets  (a 10,000-payout run answers in under 10 s, within 20x of a COPY of its "
          "rows; the ratio decides when machines differ)")
    for target in targets:
        print(target.line())
    path = write_json(NAME, {
        "endpoint": "POST /api/v1/payouts/run", "payouts": AFFILIATES,
        "lineItemsPerPayout": PER_AFFILIATE, "repeats": len(reps),
        "config": environment(opts),
        "medians": {"previewMs": round(preview_ms, 1), "runMs": round(run_ms, 1),
                    "allPaidMs": round(paid_ms, 1), "baseline": copy.to_dict()},
        "ratio": round(ratio, 2), "repetitions": [r.to_dict() for r in reps],
        "targets": [t.to_dict() for t in targets]})
    print(f"\nwrote {path}")
    return 0


def _print_profiles(rep: Repetition) -> None:
    if rep.sql_activity:
        print("\n  pg_stat_activity of the bench database during the first run (approx. s):")
        for app, state, query, seconds in rep.sql_activity:
            print(f"    {seconds:6.2f}  {app:<15} {state:<20} {query}")
    if rep.profiles:
        print("\n  py-spy profiles of the first run (share of on-CPU samples)")
    for summary in rep.profiles:
        print(profile_lines(summary))


def run(opts: BenchOptions) -> int:
    print(f"== {NAME}: POST /api/v1/payouts/preview + /run (Manual) over {AFFILIATES:,} "
          f"affiliates x {PER_AFFILIATE} Approved commissions, {REPEATS} times", flush=True)
    stack = bench_stack(opts)
    print("[1/2] rekomi stack: ensure-infra, migrate, rekomi run ...", flush=True)
    with stack:
        print("[2/2] fresh org, seed, preview, run, wait for Paid, COPY baseline; "
              f"x{REPEATS} ...", flush=True)
        reps = asyncio.run(_measure(opts, stack))
    if not reps:
        raise BenchError("no repetition completed")
    return _report(opts, reps)

