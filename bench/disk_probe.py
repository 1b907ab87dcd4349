"""The machine's disk writes beside a measured run: ``python -m bench.disk_probe SECONDS START
OUT``.

Every 250 ms from the Unix time START: bytes the block devices wrote (``/proc/diskstats``),
bytes PostgreSQL's and RabbitMQ's processes wrote (``/proc/<pid>/io``) and the kernel's dirty
page cache (``/proc/meminfo``). Writes ``{"samples": [[unix time, disk, postgres, rabbitmq,
dirty], ...]}`` (cumulative bytes, dirty in bytes) to OUT.

The commit probe tells when PostgreSQL's commits stalled; this tells what the disk was busy
with then. A burst is a second in which the devices wrote more than ``BURST_BYTES``; its cause
is named after what grew most: RabbitMQ's writes (a quorum queue's log moving to its segment
files), PostgreSQL's (checkpoint writes, evicted pages), or the dirty page cache shrinking
(the kernel writing back pages that turned 30 s old, or a checkpoint's fsync).
"""

from __future__ import annotations

import itertools
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.cpu import ProcGroup, infra_groups

INTERVAL = 0.25
BURST_BYTES = 100e6
_SECTOR = 512
# Whole disks, not their partitions (whose writes the disk already counts).
_PARTITION_SUFFIX = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0")


def _disk_written() -> int:
    total = 0
    for line in Path("/proc/diskstats").read_text().splitlines():
        fields = line.split()
        name = fields[2]
        if name.startswith(("loop", "ram", "dm-", "sr")):
            continue
        if name.startswith(("sd", "vd", "xvd")) and name.endswith(_PARTITION_SUFFIX):
            continue
        if name.startswith("nvme") and "p" in name.removeprefix("nvme"):
            continue
        total += int(fields[9]) * _SECTOR
    return total


class _Writers:
    """The PostgreSQL and RabbitMQ processes, found by scanning ``/proc`` every
    ``RESCAN_SAMPLES`` samples only: a scan reads two files of every process on the machine
    (7 ms here), and at four a second that cost 3-4% of a core the measured stack did not get.
    A process born between scans (a backend a pool opened) is counted from the next scan, with
    all it wrote by then."""

    RESCAN_SAMPLES = 8

    def __init__(self, groups: Callable[[], list[ProcGroup]] = infra_groups) -> None:
        self._groups = groups
        self._pids: dict[str, tuple[int, ...]] = {}
        self._samples = 0

    def read(self) -> tuple[int, int]:
        """Bytes written so far by PostgreSQL's processes and by RabbitMQ's."""
        if self._samples % self.RESCAN_SAMPLES == 0:
            self._rescan()
        self._samples += 1
        return self._written("postgres"), self._written("rabbitmq")

    def _written(self, comm_group: str) -> int:
        total = 0
        for pid in self._pids.get(comm_group, ()):
            try:
                for line in Path(f"/proc/{pid}/io").read_text().splitlines():
                    if line.startswith("write_bytes:"):
                        total += int(line.split()[1])
            except OSError:  # gone, or not ours to read
                continue
        return total

    def _rescan(self) -> None:
        self._pids = {group.name: group.pids for group in self._groups()}


_writers = _Writers()


def _dirty() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("Dirty:"):
            return int(line.split()[1]) * 1024
    return 0


def sample() -> list[float]:
    at, disk = round(time.time(), 3), _disk_written()
    postgres, rabbitmq = _writers.read()
    return [at, disk, postgres, rabbitmq, _dirty()]


def record(seconds: float, start: float) -> list[list[float]]:
    time.sleep(max(0.0, start - INTERVAL - time.time()))
    samples = [sample()]
    while samples[-1][0] < start + seconds:
        time.sleep(max(0.0, samples[-1][0] + INTERVAL - time.time()))
        samples.append(sample())
    return samples


@dataclass(frozen=True, slots=True)
class Burst:
    second: int
    disk_mb: float
    cause: str


def bursts(samples: list[list[float]], start: float, seconds: int) -> list[Burst]:
    """The seconds after ``start`` in which the disks wrote more than ``BURST_BYTES``, each
    with what most likely wrote it."""
    disk, postgres, rabbit, dirty_drop = ([0.0] * seconds for _ in range(4))
    for before, after in itertools.pairwise(samples):
        second = math.floor(after[0] - start)
        if 0 <= second < seconds:
            disk[second] += after[1] - before[1]
            postgres[second] += after[2] - before[2]
            rabbit[second] += after[3] - before[3]
            dirty_drop[second] += max(0.0, before[4] - after[4])
    found = []
    for s in range(seconds):
        if disk[s] <= BURST_BYTES:
            continue
        causes = {"RabbitMQ": rabbit[s], "PostgreSQL": postgres[s],
                  "dirty pages written back": dirty_drop[s]}
        found.append(Burst(s, round(disk[s] / 1e6, 1), max(causes, key=lambda k: causes[k])))
    return found


def main(argv: list[str]) -> int:
    seconds, start, out = float(argv[0]), float(argv[1]), Path(argv[2])
    out.write_text(json.dumps({"samples": record(seconds, start)}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
