"""One table item per pushed message: the dedupe marker and its processing state.

The callback claims a message with a conditional put (first delivery wins, redeliveries see the item), queues it,
then marks it queued; the worker records each finished step on it, so an SQS redelivery after a partial failure
repeats only the unfinished steps and a fully processed message is never processed again.

A claim that is still not queued after WeChat's own 5-second timeout was abandoned: the process died between the
claim and the queue (a Lambda killed at its timeout, a crash). WeChat retries a push it got no answer for, so its
retry may take such a claim over and queue the message; without that, the retries were all "duplicates" and the
message was lost. (A claimer that was only slow, not dead, may then queue it too: the worker's step records keep that
to one processing.) Items expire through the table's TTL after a day; an expired item that TTL has not removed yet
counts as absent.
"""
from __future__ import annotations

import time
from typing import Any

from chalicelib.store import keys, table

KEEP_SECONDS = 24 * 3600
ABANDONED_AFTER_SECONDS = 5  # WeChat waits 5 s for an answer, then drops the connection and retries
CLAIMED, QUEUED, DONE = "claimed", "queued", "done"


def claim(appid: str, message_key: str, now: float | None = None) -> bool:
    """True if this delivery must enqueue the message (the first, or a retry after an abandoned claim), False for
    a redelivery of a message already queued or being queued."""
    at = time.time() if now is None else now
    item = {**keys.push_message(appid, message_key), "state": CLAIMED, "claimed_ms": int(at * 1000),
            keys.TTL_ATTRIBUTE: int(at) + KEEP_SECONDS}
    abandoned = "(#state = :claimed AND claimed_ms < :gone AND attribute_not_exists(steps))"  # never reached the worker
    try:
        table.put(item, condition=f"attribute_not_exists(pk) OR #exp < :now OR {abandoned}",
                  names={"#exp": keys.TTL_ATTRIBUTE, "#state": "state"},
                  values={":now": int(at), ":claimed": CLAIMED, ":gone": int((at - ABANDONED_AFTER_SECONDS) * 1000)})
    except table.ConditionFailed:
        return False
    return True


def mark_queued(appid: str, message_key: str) -> None:
    """The message is on the queue: from now on every redelivery is a duplicate, however late it comes."""
    try:
        table.update(keys.push_message(appid, message_key), "SET #state = :queued", condition="#state = :claimed",
                     names={"#state": "state"}, values={":queued": QUEUED, ":claimed": CLAIMED}, return_values="NONE")
    except table.ConditionFailed:
        pass  # the worker got to it first (and set its own state), or TTL removed it: nothing to mark


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
