"""Steps done of one piece of work that is delivered at least once (a record change from the table's stream), so a
redelivery repeats only the steps that did not finish. One item per piece of work, expiring after a day."""
from __future__ import annotations

import time

from chalicelib.store import keys, table

KEEP_SECONDS = 24 * 3600


def done(kind: str, work_id: str) -> set[str]:
    item = table.get(keys.progress(kind, work_id)) or {}
    return set(item.get("steps") or [])


def mark(kind: str, work_id: str, step: str) -> None:
    table.update(keys.progress(kind, work_id), "ADD #steps :step SET #exp = if_not_exists(#exp, :exp)",
                 names={"#steps": "steps", "#exp": keys.TTL_ATTRIBUTE},
                 values={":step": {step}, ":exp": int(time.time()) + KEEP_SECONDS}, return_values="NONE")
