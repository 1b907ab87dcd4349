"""The command-line progress bar: redrawn in place on a terminal, a line per tenth in a log."""

from __future__ import annotations

import io

from libs.shared.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_a_line_per_tenth_and_the_last() -> None:
    out = io.StringIO()
    progress = Progress(25, "days", out)
    for done in range(26):
        progress.update(done, f"day {done}")
    lines = out.getvalue().splitlines()
    assert lines[0] == "[" + "." * 30 + "] 0/25 days  day 0"
    assert lines[-1] == "[" + "#" * 30 + "] 25/25 days  day 25"
    assert len(lines) == 11  # 0, each tenth, the end


def test_a_terminal_gets_one_redrawn_line() -> None:
    out = Terminal()
    progress = Progress(4, "days", out)
    for done in range(5):
        progress.update(done)
    text = out.getvalue()
    assert text.count("\r") == 5 and text.endswith("] 4/4 days\n")
    assert "\r[" + "#" * 15 + "." * 15 + "] 2/4 days" in text


def test_nothing_to_do_is_done_at_once() -> None:
    out = io.StringIO()
    Progress(0, "days", out).update(0)
    assert out.getvalue() == "[" + "#" * 30 + "] 0/0 days\n"
