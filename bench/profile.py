"""Optional py-spy profiles of stack services during the measured run
(``--profile gateway,ledger``).

py-spy is not a project dependency: ``.venv/bin/pip install py-spy`` to use this. Profiles are
written as collapsed stacks (``--format raw``) next to the results, and summarised as the
functions with the most samples on CPU (self) and on the stack (inclusive). Profiling costs the
profiled processes some CPU, so treat the throughput of a profiled run as indicative only.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench import procs
from bench.common import BenchError


def find_py_spy() -> str:
    path = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(path).exists():
        raise BenchError("--profile needs py-spy: .venv/bin/pip install py-spy")
    return path


@dataclass(frozen=True, slots=True)
class ProfileSummary:
    service: str
    path: Path
    samples: int
    top_self: list[tuple[str, float]]
    top_inclusive: list[tuple[str, float]]

    def to_dict(self) -> dict[str, object]:
        return {"service": self.service, "file": str(self.path), "samples": self.samples,
                "topSelfPct": [[f, round(p, 1)] for f, p in self.top_self],
                "topInclusivePct": [[f, round(p, 1)] for f, p in self.top_inclusive]}


# Frames under every sample of an event-loop process: left out of the inclusive list.
ROOT_FRAMES = frozenset({"<module>", "_run_code", "_run_module_as_main", "run", "Runner.run",
                         "run_service", "run_until_complete"})


def summarize(service: str, path: Path, top: int = 12) -> ProfileSummary:
    """Sample shares of a raw profile: self per line, inclusive per function."""
    self_counts: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";")]
        total += count
        self_counts[frames[-1]] += count
        # Inclusive counts per function (any line of it), once per sample.
        for function in {_function(f) for f in frames[1:]}:  # frame 0 labels the thread
            if function.partition(" (")[0] not in ROOT_FRAMES:
                inclusive[function] += count
    share = 100.0 / max(1, total)
    return ProfileSummary(
        service=service, path=path, samples=total,
        top_self=[(f, c * share) for f, c in self_counts.most_common(top)],
        top_inclusive=[(f, c * share) for f, c in inclusive.most_common(top)])


def _short(frame: str) -> str:
    """``fn (/long/path/site-packages/pkg/mod.py:12)`` -> ``fn (pkg/mod.py:12)``."""
    name, sep, where = frame.partition(" (")
    if not sep:
        return frame
    for marker in ("site-packages/", "/lib/python3.11/", "/work/main/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where}"


def _function(frame: str) -> str:
    """``fn (pkg/mod.py:12)`` -> ``fn (pkg/mod.py)``."""
    head, sep, line = frame.rpartition(":")
    return f"{head})" if sep and line.rstrip(")").isdigit() else frame


class PySpyRecorder:
    def __init__(self, targets: dict[str, int], out_dir: Path, prefix: str,
                 rate: int = 100) -> None:
        self.binary = find_py_spy()
        self.targets = targets
        self.out_dir = out_dir
        self.prefix = prefix
        self.rate = rate
        self._running: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
        self.summaries: list[ProfileSummary] = []

    def begin(self, seconds: float) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for service, pid in self.targets.items():
            path = self.out_dir / f"{self.prefix}.{service}.pyspy.txt"
            argv = [self.binary, "record", "--format", "raw", "--nonblocking",
                    "--rate", str(self.rate), "--duration", str(max(1, int(seconds))),
                    "--pid", str(pid), "--output", str(path)]
            self._running[service] = (procs.spawn(argv, stdout=subprocess.DEVNULL,
                                                  stderr=subprocess.PIPE), path)

    def interrupt(self) -> None:
        """Stop recording now, before ``seconds`` ran out (py-spy saves what it has on
        SIGINT); ``end()`` then collects the profiles."""
        for proc, _ in self._running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)

    def end(self) -> None:
        for service, (proc, path) in self._running.items():
            try:
                _, err = proc.communicate(timeout=60)
            finally:
                procs.stop(proc, grace=5.0)
            if proc.returncode == 0 and path.exists():
                self.summaries.append(summarize(service, path))
            else:
                print(f"py-spy on {service} failed ({proc.returncode}): "
                      f"{err.decode(errors='replace')[-500:]}", file=sys.stderr)
        self._running.clear()
