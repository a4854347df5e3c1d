"""Waiting for an identical request that holds the lease on a code's or a link's item: growing pauses, then a 503."""
from __future__ import annotations

import time

from chalicelib.core.errors import ServiceUnavailable

FIRST_PAUSE = 0.05
LONGEST_PAUSE = 0.5


class Waiter:
    def __init__(self, seconds: float, busy_message: str) -> None:
        self.deadline = time.monotonic() + seconds
        self.pause = FIRST_PAUSE
        self.busy_message = busy_message

    def pause_or_give_up(self) -> None:
        """Sleep a little longer each time; ServiceUnavailable once the wait is over."""
        if time.monotonic() > self.deadline:
            raise ServiceUnavailable(self.busy_message)
        time.sleep(self.pause)
        self.pause = min(self.pause * 2, LONGEST_PAUSE)
