"""A progress bar for long command-line work (rebuilds, backfills): redrawn in place on a
terminal, one line per tenth of the work otherwise (so a log shows it advancing)."""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 30


class Progress:
    def __init__(self, total: int, what: str, out: TextIO | None = None) -> None:
        self.total, self.what = total, what
        self.out = out if out is not None else sys.stderr
        self._tty = self.out.isatty()
        self._last_tenth = -1

    def line(self, done: int, note: str = "") -> str:
        filled = WIDTH * done // self.total if self.total else WIDTH
        bar = "#" * filled + "." * (WIDTH - filled)
        return f"[{bar}] {done}/{self.total} {self.what}" + (f"  {note}" if note else "")

    def update(self, done: int, note: str = "") -> None:
        tenth = 10 * done // self.total if self.total else 10
        if self._tty:
            self.out.write("\r" + self.line(done, note))
            if done >= self.total:
                self.out.write("\n")
        elif tenth != self._last_tenth or done >= self.total:
            self.out.write(self.line(done, note) + "\n")
        self._last_tenth = tenth
        self.out.flush()
