"""The bench's disk probe: bursts per second of the load, and what wrote them."""

from __future__ import annotations

import os
from pathlib import Path

from bench.cpu import ProcGroup
from bench.disk_probe import Burst, _Writers, bursts

MB = 1_000_000


def test_bursts_are_seconds_over_the_threshold_named_after_their_largest_writer() -> None:
    start = 1_000.0
    # [time, disk, postgres, rabbitmq, dirty], cumulative bytes except dirty
    samples = [
        [999.9, 0, 0, 0, 50 * MB],
        [1_000.5, 10 * MB, 8 * MB, 1 * MB, 60 * MB],         # second 0: quiet
        [1_001.5, 210 * MB, 18 * MB, 191 * MB, 62 * MB],     # second 1: RabbitMQ
        [1_002.5, 400 * MB, 20 * MB, 192 * MB, 5 * MB],      # second 2: dirty pages flushed
        [1_003.2, 530 * MB, 150 * MB, 193 * MB, 6 * MB],     # second 3: PostgreSQL
        [1_004.1, 900 * MB, 150 * MB, 193 * MB, 6 * MB],     # after the window: ignored
    ]
    assert bursts(samples, start, 4) == [
        Burst(1, 200.0, "RabbitMQ"),
        Burst(2, 190.0, "dirty pages written back"),
        Burst(3, 130.0, "PostgreSQL")]


def _own_write_bytes() -> int:
    for line in Path(f"/proc/{os.getpid()}/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    raise AssertionError("no write_bytes in /proc/self/io")


def test_writers_scan_proc_once_per_eight_samples_and_read_the_pids_found() -> None:
    scans: list[int] = []

    def scan() -> list[ProcGroup]:
        scans.append(1)
        return [ProcGroup("postgres", (os.getpid(),)),
                ProcGroup("rabbitmq", (1 << 30,))]  # that pid is gone

    writers = _Writers(scan)
    readings = [writers.read() for _ in range(_Writers.RESCAN_SAMPLES)]
    assert len(scans) == 1
    assert readings[-1] == (_own_write_bytes(), 0)
    writers.read()
    assert len(scans) == 2
