"""When the local supervisor restarts a crashed service: after a short delay that doubles with
each crash, and not at all once it crashes too often in a short time (a broken setting or a
missing server would otherwise restart it forever).

Pure: the supervisor passes the clock in, so tests drive it without processes."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

FIRST_DELAY = 0.5
MAX_DELAY = 30.0
# A service that stays up this long is healthy again: its next crash starts from FIRST_DELAY.
STABLE_SECONDS = 60.0
# This many crashes within WINDOW_SECONDS and the supervisor gives up (as systemd's
# StartLimitBurst does).
CRASH_LIMIT = 5
WINDOW_SECONDS = 60.0


@dataclass
class RestartPolicy:
    delay: float = 0.0
    crashes: deque[float] = field(default_factory=deque)

    def after_crash(self, now: float, up_since: float) -> float | None:
        """Seconds to wait before the restart, or None to give up."""
        if now - up_since >= STABLE_SECONDS:
            self.delay = 0.0
        self.crashes.append(now)
        while self.crashes and now - self.crashes[0] > WINDOW_SECONDS:
            self.crashes.popleft()
        if len(self.crashes) >= CRASH_LIMIT:
            return None
        self.delay = FIRST_DELAY if self.delay == 0.0 else min(MAX_DELAY, self.delay * 2)
        return self.delay
