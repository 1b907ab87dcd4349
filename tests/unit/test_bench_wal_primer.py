"""The bench's WAL primer: how much WAL it writes before a window."""

from __future__ import annotations

from bench.wal_primer import priming_bytes

MB16 = 16 * 1024 * 1024


def test_a_short_window_writes_its_whole_need_and_a_ready_one_writes_nothing() -> None:
    minute = 3000 * 60 * 3500  # 630 MB: 38 segments, 39 with the spare
    assert priming_bytes(0, minute, MB16) == 39 * MB16
    # Short by one: still the whole need, since writing uses up the ready segments too.
    assert priming_bytes(38, minute, MB16) == 39 * MB16
    assert priming_bytes(39, minute, MB16) == 0
    assert priming_bytes(62, minute, MB16) == 0
    assert priming_bytes(0, 0, MB16) == MB16
