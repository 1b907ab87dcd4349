"""Signed requests offered at a fixed rate (open loop) by several load generator processes,
their answers merged: the measured windows of ``s2s_ingest`` (signed S2S sales) and
``stripe_ingest`` (signed Stripe events, beside the S2S sales of the same run).

A generator is a ``bench.*_loadgen`` module run as
``python -m MODULE ARGS... RATE SECONDS TAG OUT START``: it signs its share of the requests,
then offers them from the Unix time START (``bench.s2s_loadgen``'s C program or its Python
``OpenLoop``) and writes what was answered to OUT.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import subprocess
import sys
import time
from typing import Any

from bench.commit_probe import per_second_max
from bench.common import RESULTS_DIR, ROOT, BenchError, BenchOptions, db_value
from bench.cpu import ProcGroup, infra_groups, processes
from bench.disk_probe import bursts
from bench.native import build_loadgen
from bench.observe import RunObserver
from bench.profile import PySpyRecorder
from bench.stack import RekomiStack
from bench.wal_primer import prime_wal

LOADGEN_PROCESSES = 2
# In every generator's command line: the ``bench.*_loadgen`` modules and the C program they
# become (named ``bench.s2s_loadgen``).
LOADGEN_MARK = "_loadgen"


@dataclasses.dataclass(frozen=True, slots=True)
class Generator:
    module: str
    args: tuple[str, ...]
    # Time to build and sign one request: the load starts once every process has signed its
    # share.
    sign_seconds: float = 10e-6


def offer(scenario: str, generator: Generator, opts: BenchOptions, seconds: int, tag: str,
          dsn: str, observer: RunObserver | None = None) -> dict[str, Any]:
    """``opts.rate`` requests a second for ``seconds`` from LOADGEN_PROCESSES processes (tags
    ``<tag>0``, ``<tag>1``, ...); with an observer, its CPU window and the database's commit
    and disk probes cover the load."""
    rate = opts.rate / LOADGEN_PROCESSES
    outputs = [RESULTS_DIR / f"{scenario}.loadgen{n}.json" for n in range(LOADGEN_PROCESSES)]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    build_loadgen()  # once here, so the load generators only reuse the binary
    start = time.time() + 1.0 + opts.rate * seconds * generator.sign_seconds
    procs = [subprocess.Popen([sys.executable, "-m", generator.module, *generator.args,
                               str(rate), str(seconds), f"{tag}{n}", str(out), str(start)],
                              cwd=ROOT)
             for n, out in enumerate(outputs)]
    probes = (_Probe(scenario, "commit_probe", dsn, str(seconds), str(start)),
              _Probe(scenario, "disk_probe", str(seconds), str(start))) if observer else None
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
            merged["secondP99Ms"], second_p99s(part["latenciesMs"], rate), fillvalue=0.0)]
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

    def __init__(self, scenario: str, module: str, *args: str) -> None:
        self.out = RESULTS_DIR / f"{scenario}.{module}.json"
        self.proc = subprocess.Popen([sys.executable, "-m", f"bench.{module}", *args,
                                      str(self.out)], cwd=ROOT)

    def samples(self) -> list[list[float]] | None:
        if self.proc.wait(timeout=60) != 0:
            return None
        samples: list[list[float]] = json.loads(self.out.read_text(encoding="utf-8"))["samples"]
        self.out.unlink()
        return samples


def second_p99s(latencies: list[float], rate: float) -> list[float]:
    """p99 of each second's answers (one load generator's answers come in about the order they
    were due, ``rate`` a second): shows whether a tail is spread or a few bad seconds."""
    per = max(1, round(rate))
    return [pct(sorted(latencies[i:i + per]), 99) for i in range(0, len(latencies), per)]


def pct(ordered: list[float], percent: float) -> float:
    """Nothing answered has no latency to pass a target with."""
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))] if ordered \
        else float("inf")


def ready_window(dsn: str, wal_bytes: int) -> None:
    """A measured window's start: WAL segments ready for ``wal_bytes``, and a checkpoint, so
    that the pages earlier work left dirty are not flushed, with their full-page writes, inside
    it. A checkpoint the window's own writes cause (max_wal_size) still falls in it, as it
    would."""
    before, ready = asyncio.run(prime_wal(dsn, wal_bytes))
    print(f"  WAL segments ready for the window: {ready} (were {before})", flush=True)
    asyncio.run(db_value(dsn, "CHECKPOINT"))


def observer(scenario: str, stack: RekomiStack, opts: BenchOptions) -> RunObserver:
    """CPU per service, infrastructure and load generators; py-spy with ``--profile``."""
    pids = stack.service_pids()
    profiler = (PySpyRecorder({s: pids[s] for s in opts.profile if s in pids}, RESULTS_DIR,
                              scenario) if opts.profile else None)

    def groups(_first_loadgen: int) -> list[ProcGroup]:
        loadgens = tuple(pid for pid, _, cmdline in processes() if LOADGEN_MARK in cmdline)
        return [*(ProcGroup(s, (pid,)) for s, pid in pids.items()), *infra_groups(),
                ProcGroup("loadgen", loadgens)]

    return RunObserver(groups, profiler)


@dataclasses.dataclass(frozen=True, slots=True)
class Answered:
    """A measured window's answers: the requests answered 2xx per second of the window."""

    per_second: float
    p50_ms: float
    p99_ms: float

    @classmethod
    def of(cls, result: dict[str, Any], seconds: int) -> Answered:
        ordered = sorted(result["latenciesMs"])
        return cls(result["ok"] / seconds, pct(ordered, 50), pct(ordered, 99))

    def line(self, label: str, result: dict[str, Any], rate: float, unit: str) -> str:
        return (f"  {label}: {result['due']} offered at {rate:.0f}/s, {result['ok']} answered "
                f"2xx = {self.per_second:.0f} {unit}/s, p50 {self.p50_ms:.2f} ms, "
                f"p99 {self.p99_ms:.2f} ms, statuses {result['statuses']}, "
                f"errors {result['errors']}")
