"""The S2S load generator keeps its request file in memory where it can."""

from __future__ import annotations

from pathlib import Path

from bench.s2s_loadgen import memory_dir


def test_a_writable_directory_is_used_and_a_missing_one_falls_back(tmp_path: Path) -> None:
    assert memory_dir(str(tmp_path)) == str(tmp_path)
    assert memory_dir(str(tmp_path / "absent")) is None
