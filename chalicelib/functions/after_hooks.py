"""The stream step that runs the team's after hooks (one entry of jobs/record_stream.py's STEPS).

A change reaches this step once unless the step failed: record_stream keeps the step's progress per change, and
with several hooks on one change each hook's completion is kept too, so a retry after the second hook failed
doesn't run the first again. A hook that raises stops the batch at its change; Lambda retries from there.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.core import logs
from chalicelib.functions import failures, registry
from chalicelib.records.changes import RecordChange
from chalicelib.store import progress

PROGRESS_KIND = "CHANGE"  # the progress record_stream keeps for the change


@dataclass(frozen=True)
class Change:
    """What an after hook gets: the record as an admin would read it after the change (as it was, for a
    delete), and before it (update, delete)."""

    action: str
    collection: str
    id: str
    record: dict[str, Any]
    old: dict[str, Any] | None
    at: float  # when DynamoDB stored the change (epoch seconds)
    change_id: str


def _rendered(change: RecordChange) -> tuple[dict[str, Any], dict[str, Any] | None]:
    from chalicelib.records.query import render
    from chalicelib.records.schema.collections import get_schema

    collection = get_schema().get(change.collection)
    record = render.render(change.record, collection, viewer_id=None, is_admin=True)
    old = render.render(change.old, collection, viewer_id=None, is_admin=True) if change.old else None
    return record, old


def run(change: RecordChange) -> bool:
    """Run the change's hooks; False when it has none (record_stream then keeps no progress for this step)."""
    hooks = registry.after_hooks(change.action, change.collection)
    if not hooks:
        return False
    from chalicelib.functions import context

    record, old = _rendered(change)
    event = Change(change.action, change.collection, change.id, record, old, change.at, change.change_id)
    several = len(hooks) > 1
    finished = progress.done(PROGRESS_KIND, change.change_id) if several else set()
    for hook in hooks:
        if hook.id in finished:
            continue
        token = logs.set_request_id(f"change:{change.change_id}")
        try:
            with failures.reported("after hook", hook.fn):
                hook.fn(context.as_admin(failures.code_name(hook.fn)), event)
        finally:
            logs.reset_request_id(token)
        if several:
            progress.mark(PROGRESS_KIND, change.change_id, hook.id)
    return True
