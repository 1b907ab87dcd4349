"""``dashboard_read``'s results: per endpoint, the API's p50/p99 beside its raw scan, the
ledger's own time, the cross-check and the verdict; printed, and saved as
``bench/results/dashboard_read.json``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bench.common import BenchOptions
from bench.dashboard_explain import Profile
from bench.dashboard_http import Endpoint
from bench.dashboard_seed import DataSet
from bench.report import Target, environment, write_json

P99_TARGET_MS = 100.0
RATIO_TARGET = 20.0
PLAN_LINES = 30  # of each statement's plan, printed (the JSON has them whole)


@dataclass(slots=True)
class Row:
    endpoint: Endpoint
    stats: dict[str, float]
    raw_ms: float | None = None
    mismatches: list[str] | None = None  # None: not cross-checked
    ledger: Profile | None = None

    @property
    def ratio(self) -> float | None:
        p99 = self.stats["p99Ms"]
        return self.raw_ms / p99 if self.raw_ms is not None and p99 else None

    @property
    def met(self) -> bool:
        return (0 < self.stats["p99Ms"] < P99_TARGET_MS and self.ratio is not None
                and self.ratio >= RATIO_TARGET)

    def targets(self) -> list[Target]:
        name = self.endpoint.name
        if not self.stats["requests"]:
            return []  # nothing measured: the run is broken, not on target
        out = [Target(f"{name} p99", self.stats["p99Ms"], P99_TARGET_MS, "ms", at_least=False)]
        if self.ratio is not None:
            out.append(Target(f"{name} raw/p99", self.ratio, RATIO_TARGET, "x", at_least=True))
        return out

    def to_dict(self) -> dict[str, Any]:
        ep = self.endpoint
        return {"endpoint": ep.name, "path": ep.path, "params": ep.params,
                **{k: round(v, 2) for k, v in self.stats.items()},
                "rawMs": None if self.raw_ms is None else round(self.raw_ms, 1),
                "rawOverP99": None if self.ratio is None else round(self.ratio, 2),
                "crossCheck": None if self.mismatches is None else (self.mismatches or "equal"),
                "ledger": self.ledger.to_dict() if self.ledger else None, "met": self.met}


@dataclass(slots=True)
class Result:
    since: datetime
    first_day: datetime
    end: datetime
    rows: list[Row]
    failures: list[str]
    window: dict[str, int] = field(default_factory=dict)
    busy_before_pct: float = 0.0
    concurrent: dict[str, Any] | None = None
    outage_s: float = 0.0  # waited out while the ledger was unreachable (503s)


def _cell(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def _table(rows: list[Row]) -> str:
    head = (f"  {'endpoint':<26} {'n':>4} {'t/o':>3} {'p50 ms':>8} {'p99 ms':>8} {'raw ms':>9} "
            f"{'raw/p99':>8} {'ledger ms':>9} {'(SQL)':>7} {'check':>6}  target")
    lines = [head, "  " + "-" * (len(head) - 2)]
    for r in rows:
        s, led = r.stats, r.ledger
        checked = "-" if r.mismatches is None else ("ok" if not r.mismatches else "DIFF")
        lines.append(
            f"  {r.endpoint.name:<26} {s['requests']:4.0f} {s['timeouts']:3.0f} "
            f"{s['p50Ms']:8.1f} {s['p99Ms']:8.1f} "
            f"{_cell(r.raw_ms, '9.1f')} {_cell(r.ratio, '7.1f')}x "
            f"{_cell(led.total_ms if led else None, '9.1f')} "
            f"{_cell(led.sql_ms if led else None, '7.1f')} {checked:>6}  "
            f"{'met' if r.met else 'MISS'}")
    return "\n".join(lines)


def _where_time_goes(rows: list[Row]) -> list[str]:
    lines = []
    for r in rows:
        if r.met or r.ledger is None:
            continue
        led = r.ledger
        lines.append(f"\n  {r.endpoint.name}: p99 {r.stats['p99Ms']:.1f} ms over HTTP; the "
                     f"ledger's handler {led.total_ms:.1f} ms in-process, of which SQL "
                     f"{led.sql_ms:.1f} ms in {len(led.statements)} statement(s)")
        for statement, plan in zip(led.statements, led.plans, strict=False):
            lines.append(f"    [{statement.ms:.1f} ms] {statement.sql[:160]}")
            lines += [f"      {line}" for line in plan[:PLAN_LINES]]
            if len(plan) > PLAN_LINES:
                lines.append(f"      ... ({len(plan) - PLAN_LINES} more lines in the JSON)")
    return lines


def report(name: str, opts: BenchOptions, data: DataSet, result: Result) -> int:
    shape = data.shape
    print(f"\n== {name} results ({shape.clicks:,} clicks, {shape.conversions:,} conversions, "
          f"{shape.affiliates:,} affiliates over {shape.days} days; data set "
          f"{'reused' if data.reused else 'seeded'}, anchored {data.anchor:%Y-%m-%d %H:%M} UTC)")
    w, requests = result.window, max(r.stats["requests"] for r in result.rows)
    print(f"  window: {result.first_day:%Y-%m-%d} through {result.end:%Y-%m-%d} (exclusive), "
          f"{w.get('clicks', 0):,} clicks, {w.get('conversions', 0):,} sales and "
          f"{w.get('leads', 0):,} leads counted in it; p50/p99 of n sequential requests (up "
          f"to {requests:.0f}; t/o: of them, 504s after the gateway's RPC timeout, counted at "
          "the time they took); raw = one SQL statement over the raw rows (median of 3); "
          "ledger = its handler in-process (median of 5; SQL apart)")
    print(_table(result.rows))
    if result.outage_s:
        print(f"  WARNING: {result.outage_s:.0f} s waited out while the ledger was unreachable "
              "(503s, retried): the shared servers were restarted during the run?")
    if result.concurrent:
        c = result.concurrent
        print(f"\n  concurrent: {c['clients']} callers, {c['requestsPerSecond']:.1f} req/s over "
              "all endpoints; p99 ms: " + ", ".join(
                  f"{k} {v['p99Ms']:.0f}" for k, v in c["endpoints"].items()))
    lines = _where_time_goes(result.rows)
    if lines:
        print("\n  where the time goes in the endpoints that missed (EXPLAIN ANALYZE, BUFFERS "
              "of each of their statements)")
        print("\n".join(lines))
    targets = [t for r in result.rows for t in r.targets()]
    met = sum(r.met for r in result.rows)
    print(f"\ntargets  (every endpoint: p99 < {P99_TARGET_MS:g} ms on 2 cores AND raw scan / "
          f"p99 >= {RATIO_TARGET:g}x): {met} of {len(result.rows)} endpoints meet both")
    for target in targets:
        print(target.line())
    broken = list(result.failures[:10])
    broken += [f"{r.endpoint.name} differs from the raw rows: {'; '.join(r.mismatches)}"
               for r in result.rows if r.mismatches]
    checked = [r for r in result.rows if r.mismatches is not None]
    print(f"\ncross-check: {len(checked) - sum(bool(r.mismatches) for r in checked)} of "
          f"{len(checked)} endpoints' counts equal the raw rows'")
    path = write_json(name, {
        "endpoints": [r.to_dict() for r in result.rows], "dataSet": data.to_dict(),
        "window": {"firstDay": result.first_day.date().isoformat(),
                   "endExclusive": result.end.date().isoformat(),
                   "since": result.since.isoformat(), **result.window},
        "config": {**environment(opts), "sequentialRequests": requests,
                   "concurrentClients": opts.concurrent},
        "machineBusyBeforePct": round(result.busy_before_pct, 1),
        "unreachableWaitedS": result.outage_s,
        "concurrent": result.concurrent, "targets": [t.to_dict() for t in targets],
        "endpointsMeetingBoth": met, "broken": broken or None})
    print(f"\nwrote {path}")
    if broken:
        print("BENCH BROKEN: " + "; ".join(broken))
        return 2
    return 0
