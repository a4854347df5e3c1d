"""The scheduled sender of queued subscribe messages (runs every minute).

Safe to run twice at once: each message is claimed with a conditional write before it is sent. A run stops
taking new messages when its time budget is spent; the next run continues from the index.
"""
from typing import Any

from chalicelib.core import clock, logs
from chalicelib.messages import subscribe

LOOKBACK_HOURS = 24
TIME_BUDGET_SECONDS = 20  # the function times out at 30 s (lambda_timeout)


def run(now=None, lookback_hours=LOOKBACK_HOURS, budget_seconds=TIME_BUDGET_SECONDS):
    now = clock.now() if now is None else now
    started = subscribe.monotonic()
    counts = {"sent": 0, "failed": 0, "retried": 0, "skipped": 0}
    for item in subscribe.due_messages(now, lookback_hours):
        if subscribe.monotonic() - started > budget_seconds:
            break
        claimed = subscribe.claim(item["id"], now)
        if claimed is None:
            counts["skipped"] += 1
            continue
        counts[subscribe.deliver(claimed, now)] += 1
    logs.event("subscribe.run", **counts)
    return counts


def handle(event: dict[str, Any]) -> dict[str, int]:
    return run()
