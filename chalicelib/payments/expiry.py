"""Unpaid orders closed when they expire: one delayed queue message per order, never a scan.

SQS delays a message by at most 15 minutes, so a message that arrives before its order's due time is sent again
with the time left. When due, WeChat Pay is asked for the order's state (a payment whose notification was lost is
found here) and an order still unpaid is closed. Paid or closed orders end the chain.
"""
from __future__ import annotations

import time
from typing import Any

from chalicelib.store import queue

KIND = "payment_expiry"
MAX_DELAY_SECONDS = 900
GRACE_SECONDS = 60  # WeChat Pay's own expiry first: a payment finishing at the last second still lands


def schedule(mchid: str, out_trade_no: str, minutes: int) -> None:
    due = time.time() + minutes * 60 + GRACE_SECONDS
    queue.send({"kind": KIND, "mchid": mchid, "outTradeNo": out_trade_no, "due": due},
               delay_seconds=min(MAX_DELAY_SECONDS, int(due - time.time())))


def seconds_left(payload: dict[str, Any]) -> float:
    """Until the order is due; a message that came early is sent again for the time left (and 0 is returned)."""
    left = float(payload.get("due") or 0) - time.time()
    if left > 1:
        queue.send(payload, delay_seconds=min(MAX_DELAY_SECONDS, int(left)))
        return left
    return 0.0
