"""The load generator: wrk when available (installed on demand), else ``bench.pyload``.

A run is a warm-up phase then a measured phase, each a separate generator process at the same
connection count; only the measured phase is reported. An :class:`Observer` is told when the
steady part of the measured phase starts and ends (CPU sampling, profilers).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from bench import procs
from bench.common import BENCH_DIR, ROOT, BenchError, Tool

WRK_SCRIPT = BENCH_DIR / "wrk_report.lua"
_MARKER = "BENCH_JSON "


@dataclass(frozen=True, slots=True)
class LoadSpec:
    url: str
    connections: int
    duration: int
    warmup: int
    threads: int = 1
    timeout: float = 5.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LoadResult:
    tool: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    non_2xx: int
    socket_errors: dict[str, int]

    @property
    def errors(self) -> int:
        return sum(self.socket_errors.values())

    @property
    def broken(self) -> str | None:
        """Why these numbers cannot be trusted, if they cannot."""
        if self.requests == 0:
            return "no request completed"
        if self.non_2xx:
            return f"{self.non_2xx} non-2xx responses"
        if self.errors:
            return f"{self.errors} socket errors {self.socket_errors}"
        return None

    def to_dict(self) -> dict[str, Any]:
        """camelCase keys, like the rest of the results file."""
        return {_camel(k): round(v, 3) if isinstance(v, float) else v
                for k, v in asdict(self).items()}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class Observer(Protocol):
    def begin(self, loadgen_pid: int, seconds: float) -> None: ...

    def end(self) -> None: ...


class LoadTool(Protocol):
    @property
    def name(self) -> str: ...

    def argv(self, spec: LoadSpec, seconds: int) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class WrkTool:
    path: str
    name: str = "wrk"

    def argv(self, spec: LoadSpec, seconds: int) -> list[str]:
        argv = [self.path, "-t", str(min(spec.threads, spec.connections)),
                "-c", str(spec.connections), "-d", f"{seconds}s",
                "--timeout", f"{max(1, round(spec.timeout))}s", "-s", str(WRK_SCRIPT)]
        for name, value in spec.headers.items():
            argv += ["-H", f"{name}: {value}"]
        return [*argv, spec.url]


@dataclass(frozen=True, slots=True)
class PythonTool:
    name: str = "python (aiohttp, bench.pyload)"

    def argv(self, spec: LoadSpec, seconds: int) -> list[str]:
        argv = [sys.executable, "-m", "bench.pyload", "--url", spec.url,
                "--connections", str(spec.connections), "--duration", str(seconds),
                "--timeout", str(spec.timeout)]
        for name, value in spec.headers.items():
            argv += ["--header", f"{name}: {value}"]
        return argv


def _install_wrk() -> str | None:
    """``apt-get install -y wrk``, quietly, as root only; refreshes the index if that fails."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"]
    for attempt in ([install], [["apt-get", "update", "-qq"], install]):
        try:
            ok = all(subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, timeout=300).returncode == 0
                     for cmd in attempt)
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok and (path := shutil.which("wrk")):
            return path
    return None


def _wrk_version(path: str) -> str:
    try:
        out = subprocess.run([path, "-v"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "wrk"
    first = (out.stdout or out.stderr).strip().splitlines()
    return " ".join(first[0].split()[:2]) if first else "wrk"


def resolve_tool(preference: Tool) -> LoadTool:
    if preference in ("auto", "wrk"):
        path = shutil.which("wrk")
        if path is None:
            print("wrk not found; trying apt-get install -y wrk ...", flush=True)
            path = _install_wrk()
        if path is not None:
            return WrkTool(path, name=_wrk_version(path))
        if preference == "wrk":
            raise BenchError("wrk is not installed and could not be installed")
        print("wrk unavailable: falling back to the Python load generator", flush=True)
    return PythonTool()


def parse_report(tool: str, stdout: str) -> LoadResult:
    line = next((ln for ln in stdout.splitlines() if ln.startswith(_MARKER)), None)
    if line is None:
        raise BenchError(f"{tool} printed no report line:\n{stdout[-2000:]}")
    raw = json.loads(line[len(_MARKER):])
    seconds = max(1e-9, raw["duration_us"] / 1e6)
    ms = 1e-3
    return LoadResult(
        tool=tool, requests=int(raw["requests"]), seconds=seconds,
        rps=raw["requests"] / seconds, p50_ms=raw["p50_us"] * ms, p90_ms=raw["p90_us"] * ms,
        p99_ms=raw["p99_us"] * ms, max_ms=raw["max_us"] * ms, mean_ms=raw["mean_us"] * ms,
        non_2xx=int(raw["non_2xx"]),
        socket_errors={k: int(v) for k, v in raw["socket_errors"].items()})


def _sleep_unless_exited(proc: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while proc.poll() is None and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(0.1, left))


def run_phase(tool: LoadTool, spec: LoadSpec, seconds: int,
              observer: Observer | None = None) -> LoadResult:
    proc = procs.spawn(tool.argv(spec, seconds), cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    try:
        if observer is not None:
            # Observe the steady part: skip connection set-up and the ramp-down.
            margin = min(1.0, seconds * 0.1)
            _sleep_unless_exited(proc, margin)
            observer.begin(proc.pid, seconds - 2 * margin)
            try:
                _sleep_unless_exited(proc, seconds - 2 * margin)
            finally:
                observer.end()
        out, err = proc.communicate(timeout=seconds + spec.timeout + 60)
    finally:
        procs.stop(proc, grace=5.0)
    if proc.returncode != 0:
        raise BenchError(f"{tool.name} exited with {proc.returncode}: "
                         f"{err.decode(errors='replace')[-2000:]}")
    return parse_report(tool.name, out.decode(errors="replace"))


def run_load(tool: LoadTool, spec: LoadSpec, observer: Observer | None = None) -> LoadResult:
    """Warm up (results discarded), then the measured phase."""
    if spec.warmup > 0:
        run_phase(tool, spec, spec.warmup)
    return run_phase(tool, spec, spec.duration, observer)
