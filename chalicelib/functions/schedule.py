"""`@every(...)` functions: one dispatcher schedule (app.py's `functions_schedule`) runs whichever are due.

One dispatcher rather than one Lambda and one EventBridge rule per function keeps the template and the function
count fixed whatever the team declares. It ticks at the greatest common divisor of the declared periods, and a
function is due when its period, less half a tick (EventBridge's timing wanders by seconds), has passed since it
last started; a cron one (`@every("0 3 * * *")`, functions/cron.py) makes the tick one minute and is due when one
of its times passed since the previous tick and no run started at or after that time. The start is claimed with a conditional write (store/schedules.py) before the function runs, so
overlapping ticks, a retried invocation or `make dev` restarting never start one period's run twice. A function that
fails is logged and waits for its next period; the others still run.
"""
from __future__ import annotations

import math
import time
from typing import Any

from chalicelib.core import logs
from chalicelib.core.errors import ApiError
from chalicelib.functions import failures, registry
from chalicelib.store import schedules

IDLE_TICK_MINUTES = 60  # nothing declared: the dispatcher wakes hourly and finds nothing to do


def tick_minutes() -> int:
    periods = [s.minutes for s in registry.SCHEDULES.values()]
    return math.gcd(*periods) if periods else IDLE_TICK_MINUTES


def run(now: float | None = None) -> dict[str, Any]:
    """Run every due scheduled function once; {"ran": [...], "failed": [...]} by name."""
    from chalicelib.functions import context

    now = time.time() if now is None else now
    tolerance = tick_minutes() * 60 / 2
    ran, failed = [], []
    for schedule in list(registry.SCHEDULES.values()):
        if schedule.cron is not None:
            # due when a fire time passed since the last tick; claimed unless a run started at or after it
            fire = schedule.cron.latest(now, tick_minutes() * 60 + tolerance)
            if fire is None or not schedules.claim(schedule.name, now, fire - 0.001):
                continue
        elif not schedules.claim(schedule.name, now, now - schedule.minutes * 60 + tolerance):
            continue
        token = logs.set_request_id(f"schedule:{schedule.name}:{int(now)}")
        try:
            with failures.reported("schedule", schedule.fn):
                schedule.fn(context.as_admin(schedule.name))
            ran.append(schedule.name)
        except failures.FunctionFailed:
            failed.append(schedule.name)  # logged with its traceback
        except ApiError as exc:
            logs.event("schedule_refused", schedule=schedule.name, status=exc.status, message=exc.message)
            failed.append(schedule.name)
        finally:
            logs.reset_request_id(token)
    return {"ran": ran, "failed": failed}
