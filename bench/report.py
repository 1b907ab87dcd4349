"""Printing and saving results: the table, target verdicts, CPU split, JSON file."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, BenchOptions
from bench.cpu import CpuReport
from bench.load import LoadResult
from bench.profile import ProfileSummary


@dataclass(frozen=True, slots=True)
class Target:
    """One goal from the issue: ``value`` compared with ``limit`` (``at_least`` or below)."""

    name: str
    value: float
    limit: float
    unit: str
    at_least: bool

    @property
    def passed(self) -> bool:
        return self.value >= self.limit if self.at_least else self.value < self.limit

    def line(self) -> str:
        verdict = "PASS" if self.passed else "MISS"
        op = ">=" if self.at_least else "<"
        return (f"  {verdict}  {self.name:<34} {self.value:10.3f} {self.unit:<3} "
                f"(target {op} {self.limit:g} {self.unit})")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": round(self.value, 4), "limit": self.limit,
                "unit": self.unit, "comparison": ">=" if self.at_least else "<",
                "pass": self.passed}


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    result: LoadResult
    body_bytes: int


def load_table(rows: Sequence[Row]) -> str:
    head = (f"  {'target':<14} {'req/s':>10} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
            f"{'max ms':>8} {'requests':>9} {'non-2xx':>8} {'errors':>7} {'body B':>7}")
    lines = [head, "  " + "-" * (len(head) - 2)]
    for row in rows:
        r = row.result
        lines.append(f"  {row.label:<14} {r.rps:10.1f} {r.p50_ms:8.2f} {r.p90_ms:8.2f} "
                     f"{r.p99_ms:8.2f} {r.max_ms:8.1f} {r.requests:9d} {r.non_2xx:8d} "
                     f"{r.errors:7d} {row.body_bytes:7d}")
    return "\n".join(lines)


def cpu_table(label: str, report: CpuReport) -> str:
    parts = sorted(report.by_group.items(), key=lambda kv: -kv[1])
    cells = "  ".join(f"{name} {pct:.0f}" for name, pct in parts)
    line = (f"  {label}: machine {report.machine_busy_pct:.0f} of {100 * report.cpus}  |  "
            f"{cells}  unattributed {report.unattributed_pct:.0f}")
    split = ", ".join(f"{k} {v:.0f}" for k, v in report.machine_split.items())
    line += f"\n         machine split: {split}"
    if report.top_others:
        others = "; ".join(f"{name} {pct:.0f}" for name, pct in report.top_others)
        line += f"\n         others: {others}"
    return line


def profile_lines(summary: ProfileSummary, top: int = 10) -> str:
    lines = [f"  {summary.service} ({summary.samples} samples on CPU; {summary.path.name})",
             "    self:"]
    lines += [f"      {pct:5.1f}%  {frame}" for frame, pct in summary.top_self[:top]]
    lines.append("    inclusive:")
    lines += [f"      {pct:5.1f}%  {frame}" for frame, pct in summary.top_inclusive[:top]]
    return "\n".join(lines)


def environment(opts: BenchOptions) -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "connections": opts.connections,
            "durationSeconds": opts.duration, "warmupSeconds": opts.warmup,
            "threads": opts.threads, "timeoutSeconds": opts.timeout}


def write_json(scenario: str, data: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{scenario}.json"
    payload = {"scenario": scenario, "recordedAt": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **data}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path
