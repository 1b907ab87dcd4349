"""The bench's WAL primer: how many segments a window lacks."""

from __future__ import annotations

from bench.wal_primer import segments_short

MB16 = 16 * 1024 * 1024


def test_a_window_lacks_what_its_wal_needs_beyond_the_ready_segments_plus_one() -> None:
    minute = 3000 * 60 * 3500  # 630 MB: 38 segments, 39 with the spare
    assert segments_short(0, minute, MB16) == 39
    assert segments_short(22, minute, MB16) == 17
    assert segments_short(39, minute, MB16) == 0
    assert segments_short(62, minute, MB16) == 0  # never negative
    assert segments_short(0, 0, MB16) == 1
