"""The table's stream consumer: each stored record change goes through STEPS, in order per record.

Lambda delivers a stream batch at least once. Every step that finishes is recorded (store/progress.py), so a
redelivered change repeats only what did not finish and a change is never acted on twice. A failing change stops
the batch there: it and the changes after it are reported as failed (ReportBatchItemFailures), Lambda retries from
it (bisecting the batch on error), and after the retries the failure goes to the on-failure destination (the
template). Records of the same collection and id stay in order because a shard holds a key's changes in order.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable

from chalicelib.core import logs
from chalicelib.functions import after_hooks
from chalicelib.realtime import fanout
from chalicelib.records.changes import RecordChange, from_stream
from chalicelib.store import progress

Step = Callable[[RecordChange], bool | None]  # False: nothing to do for this change, so nothing to remember
# (name, function): what each stored change goes through. Subscribers hear of it first (realtime/fanout.py); the
# team's after hooks, which may take their time, run next.
STEPS: list[tuple[str, Step]] = [("realtime", fanout.publish), ("after_hooks", after_hooks.run)]


def handle(event: dict[str, Any], steps: list[tuple[str, Step]] | None = None) -> dict[str, Any]:
    """The stream handler's body: returns the partial batch response Lambda expects."""
    steps = STEPS if steps is None else steps
    records = event.get("Records") or []
    for position, raw in enumerate(records):
        change = from_stream(raw)
        if change is None or not steps:
            continue
        started = time.monotonic()
        try:
            ran = process(change, steps)
        except Exception as exc:  # retried from here by Lambda; later records wait so order is kept
            logs.event("records.change_failed", level=logging.WARNING, collection=change.collection,
                       record=change.id, action=change.action, error=exc.__class__.__name__)
            failed = [r.get("dynamodb", {}).get("SequenceNumber", "") for r in records[position:]]
            return {"batchItemFailures": [{"itemIdentifier": s} for s in failed]}
        if ran:
            logs.event("records.change_processed", collection=change.collection, record=change.id,
                       action=change.action, steps=",".join(ran),
                       elapsed_ms=int((time.monotonic() - started) * 1000))
    return {"batchItemFailures": []}


def process(change: RecordChange, steps: list[tuple[str, Step]]) -> list[str]:
    """Run the steps this change has not been through yet; the names of those that acted (each one recorded)."""
    finished = progress.done("CHANGE", change.change_id)
    ran = []
    for name, step in steps:
        if name in finished:
            continue
        if step(change) is False:
            continue  # e.g. no after hook for this collection: a redelivery would do nothing again either
        progress.mark("CHANGE", change.change_id, name)
        ran.append(name)
    return ran
