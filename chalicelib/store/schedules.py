"""Runs of scheduled work: one item per schedule holding when it last started, claimed conditionally so that
overlapping or retried invocations of the dispatcher start each run once."""
from __future__ import annotations

from chalicelib.store import keys, table
from chalicelib.store.table import ConditionFailed


def claim(name: str, now: float, not_before: float) -> bool:
    """Start a run at `now` unless one started after `not_before`: True for the one caller that may run it."""
    try:
        table.update(keys.schedule_run(name), "SET #last = :now",
                     condition="attribute_not_exists(#last) OR #last <= :limit",
                     names={"#last": "lastStarted"}, values={":now": now, ":limit": not_before},
                     return_values="NONE")
    except ConditionFailed:
        return False
    return True

