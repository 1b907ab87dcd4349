"""CPU time per process group over a window, from /proc (Linux): who burns the cores under load.

Figures are percent of one core (100 = one core fully busy; the machine total is
``100 x os.cpu_count()``)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK")

# Infrastructure shared by every stack on the machine, found by process name.
INFRA_BY_COMM = {"beam.smp": "rabbitmq", "postgres": "postgres", "redis-server": "redis"}


@dataclass(frozen=True, slots=True)
class ProcGroup:
    name: str
    pids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CpuReport:
    seconds: float
    cpus: int
    machine_busy_pct: float
    # user / system / irq+softirq (loopback networking is mostly softirq) / steal (hypervisor).
    machine_split: dict[str, float] = field(default_factory=dict)
    by_group: dict[str, float] = field(default_factory=dict)
    # The busiest processes outside the groups: who else used the machine meanwhile.
    top_others: list[tuple[str, float]] = field(default_factory=list)

    @property
    def unattributed_pct(self) -> float:
        return max(0.0, self.machine_busy_pct - sum(self.by_group.values()))

    def micros_per_item(self, per_second: float, groups: Iterable[str]) -> float:
        """CPU time ``groups`` spent per item handled at ``per_second``, in microseconds: what
        an item costs them, a figure the machine's speed moves less than the rates."""
        busy = sum(self.by_group.get(name, 0.0) for name in groups)
        return busy / 100.0 * 1e6 / per_second if per_second > 0 else 0.0

    def to_dict(self) -> dict[str, object]:
        return {"seconds": round(self.seconds, 3), "cpus": self.cpus,
                "machineBusyPct": round(self.machine_busy_pct, 1),
                "machineSplitPct": {k: round(v, 1) for k, v in self.machine_split.items()},
                "unattributedPct": round(self.unattributed_pct, 1),
                "byGroupPct": {k: round(v, 1) for k, v in self.by_group.items()},
                "topOthersPct": [[name, round(pct, 1)] for name, pct in self.top_others]}


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def process_ticks(pid: int) -> int | None:
    """utime + stime of ``pid`` (all its threads), in clock ticks."""
    stat = _read(_PROC / str(pid) / "stat")
    if stat is None:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


_STAT_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


def _machine_ticks() -> dict[str, int]:
    """Ticks over all CPUs by kind (first line of /proc/stat)."""
    first = (_read(_PROC / "stat") or "cpu 0 0 0 0").splitlines()[0].split()[1:]
    return dict(zip(_STAT_FIELDS, (int(v) for v in first), strict=False))


def _busy_share(start: dict[str, int], end: dict[str, int]) -> tuple[float, dict[str, float]]:
    """Machine busy percent (of one core) and its split by kind, between two readings."""
    cpus = os.cpu_count() or 1
    delta = {k: end.get(k, 0) - start.get(k, 0) for k in _STAT_FIELDS}
    total = max(1, sum(delta.values()))
    pct = {k: 100.0 * cpus * v / total for k, v in delta.items()}
    kinds = {"user": pct["user"] + pct["nice"], "system": pct["system"],
             "irq+softirq": pct["irq"] + pct["softirq"], "steal": pct["steal"]}
    return sum(kinds.values()), kinds


def processes() -> list[tuple[int, str, str]]:
    """(pid, comm, cmdline) of every process we can see."""
    found = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        comm = (_read(entry / "comm") or "").strip()
        cmdline = (_read(entry / "cmdline") or "").replace("\0", " ").strip()
        found.append((int(entry.name), comm, cmdline))
    return found


def infra_groups() -> list[ProcGroup]:
    """RabbitMQ, PostgreSQL (every backend) and Redis processes on this machine."""
    pids: dict[str, list[int]] = {name: [] for name in INFRA_BY_COMM.values()}
    for pid, comm, _ in processes():
        if comm in INFRA_BY_COMM:
            pids[INFRA_BY_COMM[comm]].append(pid)
    return [ProcGroup(name, tuple(p)) for name, p in pids.items()]


class CpuWindow:
    """``start()`` and ``stop()`` bracket the window; processes are fixed at ``start()``."""

    def __init__(self, groups: Iterable[ProcGroup]) -> None:
        self.groups = list(groups)
        self._start: dict[int, int] = {}
        self._others: dict[int, tuple[str, int]] = {}
        self._machine: dict[str, int] = {}
        self._started_at = 0.0

    def start(self) -> None:
        self._started_at = time.monotonic()
        self._machine = _machine_ticks()
        self._start = {pid: t for g in self.groups for pid in g.pids
                       if (t := process_ticks(pid)) is not None}
        self._others = {pid: (_label(comm, cmdline), t) for pid, comm, cmdline in processes()
                        if pid not in self._start and (t := process_ticks(pid)) is not None}

    def stop(self) -> CpuReport:
        seconds = max(1e-6, time.monotonic() - self._started_at)
        busy, split = _busy_share(self._machine, _machine_ticks())
        by_group: dict[str, float] = {}
        for group in self.groups:
            ticks = 0
            for pid in group.pids:
                begin, end = self._start.get(pid), process_ticks(pid)
                if begin is not None and end is not None:
                    ticks += max(0, end - begin)
            by_group[group.name] = by_group.get(group.name, 0.0) + (
                100.0 * ticks / _TICKS / seconds)
        others: dict[str, float] = {}
        known = set(self._start) | set(self._others)
        # Processes started during the window count whole (those that also ended are missed).
        born = {pid: (_label(comm, cmdline), 0) for pid, comm, cmdline in processes()
                if pid not in known}
        for pid, (label, begin) in {**self._others, **born}.items():
            end = process_ticks(pid)
            if end is not None and end > begin:
                others[label] = others.get(label, 0.0) + 100.0 * (end - begin) / _TICKS / seconds
        top = sorted(others.items(), key=lambda kv: -kv[1])[:5]
        return CpuReport(seconds=seconds, cpus=os.cpu_count() or 1, machine_busy_pct=busy,
                         machine_split=split, by_group=by_group,
                         top_others=[(label, pct) for label, pct in top if pct >= 1.0])


def _label(comm: str, cmdline: str) -> str:
    """A short name for a process: its command line's first words, else its comm."""
    words = cmdline.split()
    if not words:
        return comm or "?"
    words[0] = words[0].rsplit("/", 1)[-1]
    return " ".join(words[:4])[:60]


def machine_busy(seconds: float = 1.0) -> float:
    """How busy the machine is right now, in percent of one core (a quietness check)."""
    start = _machine_ticks()
    time.sleep(seconds)
    return _busy_share(start, _machine_ticks())[0]
