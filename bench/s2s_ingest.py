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
import dataclasses
import itertools
import json
import subprocess
import sys
import time
import uuid
from typing import Any

from bench.commit_probe import per_second_max
from bench.common import RESULTS_DIR, ROOT, BenchError, BenchOptions, db_value
from bench.cpu import CpuReport, ProcGroup, infra_groups, processes
from bench.disk_probe import BURST_BYTES, bursts
from bench.load import resolve_tool
from bench.native import build_loadgen
from bench.observe import RunObserver
from bench.profile import PySpyRecorder
from bench.programs_get import _measure_bare
from bench.raw_insert import raw_insert_rate
from bench.report import Target, cpu_table, load_table, profile_lines, write_json
from bench.stack import BENCH_ENV, RekomiStack
from bench.wal_primer import prime_wal

NAME = "s2s_ingest"
RPS_TARGET, P99_TARGET_MS, DRAIN_TARGET_S = 3000.0, 50.0, 10.0
# A probe commit this slow is a stall of the database's disk (it takes about 1 ms otherwise).
PROBE_STALL_MS = 15.0
DSN = BENCH_ENV["REKOMI_DATABASE_URL"]
LOADGEN_PROCESSES = 2
# WAL a sale writes across the services (pg_current_wal_lsn over a run: 3.25 KB), rounded up:
# the measured window gets this much WAL ready beforehand (``bench.wal_primer``).
WAL_BYTES_PER_SALE = 3500
RAW_INSERT = (
    "INSERT INTO bench_conversions (id, org_id, program_id, affiliate_id, amount_cents, "
    "currency, commission_cents, status, type, external_event_id, created_at) "
    "VALUES (gen_random_uuid(), $1, $1, $1, 9900, 'USD', 1980, 'Pending', 'OneTime', "
    "gen_random_uuid()::text, now())")


def _load(url: str, seller: tuple[str, str, str, str], opts: BenchOptions, seconds: int,
          tag: str, observer: RunObserver | None = None) -> dict[str, Any]:
    _org, key, secret, slug = seller
    rate = opts.rate / LOADGEN_PROCESSES
    outputs = [RESULTS_DIR / f"{NAME}.loadgen{n}.json" for n in range(LOADGEN_PROCESSES)]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    build_loadgen()  # once here, so the load generators only reuse the binary
    # Time enough to sign every request first (about 10 us each).
    start = time.time() + 1.0 + opts.rate * seconds * 10e-6
    procs = [subprocess.Popen([sys.executable, "-m", "bench.s2s_loadgen", url, key, secret,
                               slug, str(rate), str(seconds), f"{tag}{n}", str(out),
                               str(start)], cwd=ROOT)
             for n, out in enumerate(outputs)]
    probes = (_Probe("commit_probe", DSN, str(seconds), str(start)),
              _Probe("disk_probe", str(seconds), str(start))) if observer else None
    if observer is not None:
        time.sleep(max(0.0, start - time.time()))
        observer.begin(procs[0].pid, seconds)
        # Stopped just before the load generators exit: a process that has exited has no CPU
        # figures left to read, so stopping after them would count them as 0.
        time.sleep(max(0.0, seconds - 0.5))
        observer.end()
    merged: dict[str, Any] = {"ok": 0, "due": 0, "non2xx": 0, "errors": {}, "statuses": {},
                              "latenciesMs": [], "secondP99Ms": []}
    for proc, out in zip(procs, outputs, strict=True):
        if proc.wait(timeout=seconds + 60) != 0:
            raise BenchError(f"a load generator exited with {proc.returncode}")
        part = json.loads(out.read_text(encoding="utf-8"))
        out.unlink()
        merged["ok"] += part["ok"]
        merged["due"] += part["due"]
        merged["non2xx"] += part["non2xx"]
        merged["latenciesMs"] += part["latenciesMs"]
        merged["secondP99Ms"] = [max(pair) for pair in itertools.zip_longest(
            merged["secondP99Ms"], _second_p99s(part["latenciesMs"], rate), fillvalue=0.0)]
        for field in ("errors", "statuses"):
            for k, v in part[field].items():
                merged[field][k] = merged[field].get(k, 0) + v
    commits, disk = (p.samples() for p in probes) if probes is not None else (None, None)
    if commits is not None:
        merged["commitProbeMs"] = sorted(ms for _, ms in commits)
        merged["secondCommitMaxMs"] = per_second_max(commits, start, seconds)
    if disk is not None:
        merged["diskBursts"] = [dataclasses.asdict(b) for b in bursts(disk, start, seconds)]
    return merged


class _Probe:
    """A sampler beside the load, ``python -m bench.<module> ARGS... OUT``; its samples once
    it has exited, or None if it failed."""

    def __init__(self, module: str, *args: str) -> None:
        self.out = RESULTS_DIR / f"{NAME}.{module}.json"
        self.proc = subprocess.Popen([sys.executable, "-m", f"bench.{module}", *args,
                                      str(self.out)], cwd=ROOT)

    def samples(self) -> list[list[float]] | None:
        if self.proc.wait(timeout=60) != 0:
            return None
        samples: list[list[float]] = json.loads(self.out.read_text(encoding="utf-8"))["samples"]
        self.out.unlink()
        return samples


def _second_p99s(latencies: list[float], rate: float) -> list[float]:
    """p99 of each second's answers (one load generator's answers come in about the order they
    were due, ``rate`` a second): shows whether a tail is spread or a few bad seconds."""
    per = max(1, round(rate))
    return [_pct(sorted(latencies[i:i + per]), 99) for i in range(0, len(latencies), per)]


def _pct(ordered: list[float], pct: float) -> float:
    """Nothing answered has no latency to pass a target with."""
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))] if ordered \
        else float("inf")


async def _count(org_id: str) -> int:
    """Sales of the measured run booked so far (the warm-up's are tagged ``warm``)."""
    return int(await db_value(DSN, "SELECT count(*) FROM ledger.conversions WHERE org_id = $1 "
                              "AND external_event_id LIKE 'run%'", uuid.UUID(org_id)))


async def _raw_inserts(opts: BenchOptions) -> float:
    return await raw_insert_rate(DSN, table="bench_conversions", like="ledger.conversions",
                                 insert_sql=RAW_INSERT, pool_size=min(opts.connections, 32),
                                 clients=opts.connections, seconds=opts.duration)


def run(opts: BenchOptions) -> int:
    print(f"== {NAME}: signed S2S sales through the stack, {opts.rate:.0f}/s offered for "
          f"{opts.s2s_duration} s", flush=True)
    stack = RekomiStack(gateway_port=opts.gateway_port, ops_base_port=opts.ops_base_port)
    stack.check_ports()
    bare, _obs, _busy = _measure_bare(resolve_tool(opts.tool), opts)
    with stack:
        made = stack.seller("Bench S2S")
        seller = (made.org.org_id, made.org.api_key, made.secret, made.slug)
        url = f"{stack.base_url}/api/tracking/s2s"
        if opts.warmup:
            _load(url, seller, opts, opts.warmup, "warm")
        before, ready = asyncio.run(prime_wal(
            DSN, int(opts.rate * opts.s2s_duration * WAL_BYTES_PER_SALE)))
        print(f"  WAL segments ready for the window: {ready} (were {before})", flush=True)
        # The measured minute starts from a checkpoint: the pages earlier scenarios (or the
        # warm-up) left dirty are not flushed, with their full-page writes, inside it. A
        # checkpoint its own writes cause (max_wal_size) still falls in it, as it would.
        asyncio.run(db_value(DSN, "CHECKPOINT"))
        observer = _observer(stack, opts)
        started = time.monotonic()
        result = _load(url, seller, opts, opts.s2s_duration, "run", observer)
        elapsed = time.monotonic() - started
        booked_at_stop = asyncio.run(_count(seller[0]))
        drain_started = time.monotonic()
        while asyncio.run(_count(seller[0])) < result["ok"]:
            if time.monotonic() - drain_started > 30:
                break
            time.sleep(0.2)
        drain_s = time.monotonic() - drain_started
        booked = asyncio.run(_count(seller[0]))
        print("  raw asyncpg single-row INSERT baseline ...", flush=True)
        raw_rps = asyncio.run(_raw_inserts(opts))
    return _report(opts, bare, result, elapsed, booked, booked_at_stop, drain_s, raw_rps,
                   observer)


def _observer(stack: RekomiStack, opts: BenchOptions) -> RunObserver:
    """CPU per service, infrastructure and load generators; py-spy with ``--profile``."""
    pids = stack.service_pids()
    profiler = (PySpyRecorder({s: pids[s] for s in opts.profile if s in pids}, RESULTS_DIR,
                              NAME) if opts.profile else None)

    def groups(_first_loadgen: int) -> list[ProcGroup]:
        loadgens = tuple(pid for pid, _, cmdline in processes() if "bench.s2s_loadgen" in cmdline)
        return [*(ProcGroup(s, (pid,)) for s, pid in pids.items()), *infra_groups(),
                ProcGroup("loadgen", loadgens)]

    return RunObserver(groups, profiler)


def _probe_line(commits: list[float], second_max: list[float], second_p99: list[float]) -> str:
    """Which slow seconds of the stack were slow commits of PostgreSQL itself."""
    stalled = [i for i, ms in enumerate(second_max) if ms > PROBE_STALL_MS]
    slow = [i for i, ms in enumerate(second_p99) if ms > P99_TARGET_MS]
    return (f"  PostgreSQL's own commits (one row every 20 ms, beside the load): median "
            f"{_pct(commits, 50):.1f} ms, max {commits[-1] if commits else 0:.0f} ms; seconds "
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
    ordered = sorted(result["latenciesMs"])
    rps = result["ok"] / opts.s2s_duration
    p50, p99 = _pct(ordered, 50), _pct(ordered, 99)
    targets = [Target("signed events/s", rps, RPS_TARGET, "/s", at_least=True),
               Target("p99", p99, P99_TARGET_MS, "ms", at_least=False),
               Target("ledger backlog drain", drain_s, DRAIN_TARGET_S, "s", at_least=False)]
    print(f"\n== {NAME} results")
    print(load_table([bare]))
    print(f"  s2s through the stack: {result['due']} offered at {opts.rate:.0f}/s, "
          f"{result['ok']} answered 2xx = {rps:.0f} signed events/s, p50 {p50:.2f} ms, "
          f"p99 {p99:.2f} ms, statuses {result['statuses']}, errors {result['errors']}")
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
