"""What watches a measured run: the CPU split and, optionally, py-spy profiles."""

from __future__ import annotations

from collections.abc import Callable

from bench.cpu import CpuReport, CpuWindow, ProcGroup
from bench.profile import PySpyRecorder


class RunObserver:
    """A :class:`bench.load.Observer`: ``groups(loadgen_pid)`` names the processes to watch."""

    def __init__(self, groups: Callable[[int], list[ProcGroup]],
                 profiler: PySpyRecorder | None = None) -> None:
        self.groups = groups
        self.profiler = profiler
        self.cpu: CpuReport | None = None
        self._window: CpuWindow | None = None

    def begin(self, loadgen_pid: int, seconds: float) -> None:
        self._window = CpuWindow(self.groups(loadgen_pid))
        self._window.start()
        if self.profiler is not None:
            self.profiler.begin(seconds)

    def end(self) -> None:
        if self._window is not None:
            self.cpu = self._window.stop()
            self._window = None
        if self.profiler is not None:
            self.profiler.end()
