"""One table item per pushed message: the dedupe marker and its processing state.

The callback claims a message with a conditional put (first delivery wins, redeliveries see the item) and the worker
records each finished step on it, so an SQS redelivery after a partial failure repeats only the unfinished steps and
a fully processed message is never processed again. Items expire through the table's TTL after a day; an expired
item that TTL has not removed yet counts as absent.
"""
from __future__ import annotations

import time
from typing import Any

from chalicelib.store import keys, table

KEEP_SECONDS = 24 * 3600
DONE = "done"


def claim(appid: str, message_key: str, now: float | None = None) -> bool:
    """True if this delivery is the first of the message (the caller must enqueue it), False for a redelivery."""
    now = int(now or time.time())
    item = {**keys.push_message(appid, message_key), "state": "queued", "received_at": now,
            keys.TTL_ATTRIBUTE: now + KEEP_SECONDS}
    try:
        table.put(item, condition="attribute_not_exists(pk) OR #exp < :now", names={"#exp": keys.TTL_ATTRIBUTE},
                  values={":now": now})
    except table.ConditionFailed:
        return False
    return True


def release(appid: str, message_key: str) -> None:
    """Forget a claim whose message could not be queued, so WeChat's retry gets another chance."""
    table.delete(keys.push_message(appid, message_key))


def load(appid: str, message_key: str) -> dict[str, Any]:
    return table.get(keys.push_message(appid, message_key)) or {}


def step_done(appid: str, message_key: str, step: str) -> None:
    table.update(keys.push_message(appid, message_key), "ADD #steps :step",
                 names={"#steps": "steps"}, values={":step": {step}}, return_values="NONE")


def finish(appid: str, message_key: str) -> None:
    table.update(keys.push_message(appid, message_key), "SET #state = :done, finished_at = :now",
                 names={"#state": "state"}, values={":done": DONE, ":now": int(time.time())},
                 return_values="NONE")
