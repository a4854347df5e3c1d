"""Fixed-window rate limits kept in the table: one counter item per (action, subject, window), expired by TTL.

`take` adds one to the window's counter only while it is under the limit (a conditional update), so concurrent
callers can never push it past the limit; a refused call costs one failed conditional write and changes nothing.
"""
from __future__ import annotations

import time

from chalicelib.store import keys, table


def take(scope: str, subject: str, limit: int, window_seconds: int, now: float | None = None) -> int:
    """Count one call; 0 when it is allowed, else the seconds until the window resets (the caller answers 429)."""
    now = now if now is not None else time.time()
    start = int(now // window_seconds * window_seconds)
    try:
        table.update(keys.rate_counter(scope, subject, start), "ADD #n :one SET #exp = :exp",
                     condition="attribute_not_exists(#n) OR #n < :limit",
                     names={"#n": "n", "#exp": keys.TTL_ATTRIBUTE},
                     values={":one": 1, ":limit": limit, ":exp": start + window_seconds + 60},
                     return_values="NONE")
    except table.ConditionFailed:
        return max(1, int(start + window_seconds - now))
    return 0
