"""Native helpers of the bench, compiled on demand with the machine's C compiler.

The binaries live in ``bench/results/.bin/`` (not committed) and are rebuilt only when their
source is newer, so that the processes of one run reuse the first build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench.common import BENCH_DIR, RESULTS_DIR

BIN_DIR = RESULTS_DIR / ".bin"
LOADGEN_SOURCE = BENCH_DIR / "s2s_loadgen.c"
COMPILE_TIMEOUT_S = 120


def build_loadgen() -> Path | None:
    """The open-loop load generator ``bench/s2s_loadgen.c``, compiled; None (and why, on
    stderr) when it cannot be."""
    return _build(LOADGEN_SOURCE, BIN_DIR / LOADGEN_SOURCE.stem)


def _build(source: Path, binary: Path) -> Path | None:
    if _fresh(source, binary):
        return binary
    gcc = shutil.which("gcc")
    if gcc is None:
        print(f"bench: gcc not found, cannot build {source.name}", file=sys.stderr)
        return None
    binary.parent.mkdir(parents=True, exist_ok=True)
    # Built under a name of its own and then renamed: load generators started side by side may
    # compile at the same time, and neither may run the other's half-written file.
    partial = binary.with_name(f"{binary.name}.{os.getpid()}.tmp")
    try:
        done = subprocess.run([gcc, "-O2", "-Wall", "-Wextra", "-o", str(partial), str(source)],
                              capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"bench: compiling {source.name} failed: {exc}", file=sys.stderr)
        partial.unlink(missing_ok=True)
        return None
    if done.returncode != 0:
        print(f"bench: compiling {source.name} failed:\n{done.stderr}", file=sys.stderr)
        partial.unlink(missing_ok=True)
        return None
    partial.replace(binary)
    return binary


def _fresh(source: Path, binary: Path) -> bool:
    try:
        return binary.stat().st_mtime_ns > source.stat().st_mtime_ns
    except FileNotFoundError:
        return False
