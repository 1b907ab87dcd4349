"""Scenario ``programs_get``: ``GET /api/v1/programs/{id}`` through the whole stack (gateway ->
RabbitMQ RPC -> ledger -> PostgreSQL) against a bare aiohttp handler returning a body of the same
size, both at the same connection count.

Targets (from the issue): stack >= 0.10 x bare requests/s, and stack p99 < 25 ms.
"""

from __future__ import annotations

import json
from typing import Any

from bench import procs
from bench.bare_server import BareServer
from bench.common import RESULTS_DIR, BenchError, BenchOptions
from bench.cpu import ProcGroup, infra_groups, machine_busy
from bench.load import LoadResult, LoadSpec, LoadTool, PythonTool, resolve_tool, run_load
from bench.observe import RunObserver
from bench.profile import PySpyRecorder
from bench.report import Row, Target, cpu_table, environment, load_table, profile_lines, write_json
from bench.stack import RekomiStack, bench_stack

NAME = "programs_get"
PROGRAM = {"name": "Bench", "defaultCommissionType": "Percentage", "defaultCommissionValue": 20}
RPS_RATIO_TARGET = 0.10
P99_TARGET_MS = 25.0
WATCHED_SERVICES = ("gateway", "ledger")
# Busier than this (percent of one core) before the load starts means someone else is using the
# machine: the figures are still reported, with a warning.
QUIET_LIMIT_PCT = 25.0


def _preflight(url: str, headers: dict[str, str]) -> int:
    """One request before the load: it must be a 200 with a JSON body; returns the body size."""
    status, body = procs.http("GET", url, headers=headers)
    if status != 200:
        raise BenchError(f"GET {url} answered {status}: {body[:300]!r}")
    json.loads(body)
    return len(body)


def _spec(url: str, opts: BenchOptions, headers: dict[str, str] | None = None) -> LoadSpec:
    return LoadSpec(url=url, connections=opts.connections, duration=opts.duration,
                    warmup=opts.warmup, threads=opts.threads, timeout=opts.timeout,
                    headers=headers or {})


def _busy_before(label: str) -> float:
    busy = machine_busy(1.0)
    if busy > QUIET_LIMIT_PCT:
        print(f"  WARNING: the machine is already {busy:.0f}% (of one core) busy before the "
              f"{label} load: other processes are competing, figures will be noisy", flush=True)
    return busy


def _progress(label: str, result: LoadResult) -> None:
    print(f"  {label}: {result.rps:.0f} req/s, p50 {result.p50_ms:.2f} ms, "
          f"p99 {result.p99_ms:.2f} ms", flush=True)


def _measure_bare(tool: LoadTool, opts: BenchOptions) -> tuple[Row, RunObserver, float]:
    print("[1/2] bare aiohttp baseline ...", flush=True)
    with BareServer() as bare:
        body_bytes = _preflight(bare.url, {})
        assert bare.proc is not None
        server_pid = bare.proc.pid
        busy = _busy_before("bare")
        observer = RunObserver(lambda loadgen: [ProcGroup("bare server", (server_pid,)),
                                                ProcGroup("loadgen", (loadgen,))])
        result = run_load(tool, _spec(bare.url, opts), observer)
    _progress("bare", result)
    return Row("bare aiohttp", result, body_bytes), observer, busy


def _measure_stack(tool: LoadTool, opts: BenchOptions, stack: RekomiStack
                   ) -> tuple[Row, RunObserver, PySpyRecorder | None, float]:
    print("[2/2] rekomi stack: ensure-infra, migrate, rekomi run ...", flush=True)
    with stack:
        org = stack.create_org()
        program = stack.request("POST", "/api/v1/programs", org, PROGRAM, expect=201)
        url = f"{stack.base_url}/api/v1/programs/{program['id']}"
        body_bytes = _preflight(url, org.auth)
        pids = stack.service_pids()
        missing = [s for s in (*WATCHED_SERVICES, *opts.profile) if s not in pids]
        if missing:
            raise BenchError(f"cannot find the stack's {missing} process(es)")
        profiler = (PySpyRecorder({s: pids[s] for s in opts.profile}, RESULTS_DIR, NAME)
                    if opts.profile else None)
        others = tuple(p for s, p in pids.items() if s not in WATCHED_SERVICES)

        def groups(loadgen: int) -> list[ProcGroup]:
            watched = [ProcGroup(s, (pids[s],)) for s in WATCHED_SERVICES]
            return [*watched, ProcGroup("other services", others), *infra_groups(),
                    ProcGroup("loadgen", (loadgen,))]

        observer = RunObserver(groups, profiler)
        busy = _busy_before("stack")
        print(f"  GET {url} (program of org {org.org_id}) ...", flush=True)
        result = run_load(tool, _spec(url, opts, org.auth), observer)
    _progress("stack", result)
    return Row("rekomi stack", result, body_bytes), observer, profiler, busy


def run(opts: BenchOptions) -> int:
    tool = resolve_tool(opts.tool)
    print(f"== {NAME}: GET /api/v1/programs/{{id}}, {opts.connections} connections, "
          f"{tool.name}, {opts.warmup} s warm-up + {opts.duration} s measured", flush=True)
    if isinstance(tool, PythonTool):
        print("  note: the Python generator is slower than wrk and may cap the bare baseline "
              "(see loadgen in the CPU split)", flush=True)
    rekomi = bench_stack(opts)
    bare, bare_obs, bare_busy = _measure_bare(tool, opts)
    stack, stack_obs, profiler, stack_busy = _measure_stack(tool, opts, rekomi)

    ratio = stack.result.rps / bare.result.rps if bare.result.rps else 0.0
    targets = [
        Target("stack rps / bare rps", ratio, RPS_RATIO_TARGET, "x", at_least=True),
        Target(f"stack p99 at {opts.connections} connections", stack.result.p99_ms,
               P99_TARGET_MS, "ms", at_least=False),
    ]
    broken = [f"{row.label}: {why}" for row in (bare, stack) if (why := row.result.broken)]

    print(f"\n== {NAME} results ({tool.name}, {opts.connections} connections, "
          f"{opts.duration} s measured)")
    print(load_table([bare, stack]))
    print(f"  ratio stack/bare requests/s: {ratio:.3f}")
    print("\ntargets")
    for target in targets:
        print(target.line())
    print("\nCPU during the measured runs (% of one core)")
    for label, obs in (("bare ", bare_obs), ("stack", stack_obs)):
        if obs.cpu is not None:
            print(cpu_table(label, obs.cpu))
    summaries = profiler.summaries if profiler is not None else []
    if summaries:
        print("\npy-spy profiles during the measured stack run (share of on-CPU samples)")
        for summary in summaries:
            print(profile_lines(summary))

    data: dict[str, Any] = {
        "endpoint": "GET /api/v1/programs/{id}", "tool": tool.name, "config": environment(opts),
        "bare": {**bare.result.to_dict(), "bodyBytes": bare.body_bytes,
                 "cpu": bare_obs.cpu.to_dict() if bare_obs.cpu else None,
                 "machineBusyBeforePct": round(bare_busy, 1)},
        "stack": {**stack.result.to_dict(), "bodyBytes": stack.body_bytes,
                  "cpu": stack_obs.cpu.to_dict() if stack_obs.cpu else None,
                  "machineBusyBeforePct": round(stack_busy, 1)},
        "ratio": round(ratio, 4), "targets": [t.to_dict() for t in targets],
        "broken": broken or None, "profiles": [s.to_dict() for s in summaries],
    }
    path = write_json(NAME, data)
    print(f"\nwrote {path}")
    if broken:
        print("BENCH BROKEN: " + "; ".join(broken))
        return 2
    return 0
