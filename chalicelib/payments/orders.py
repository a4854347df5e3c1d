"""The `payments` records: one per (merchant, out_trade_no), moved only by what WeChat Pay verifiably said.

A record's id is derived from its merchant and out_trade_no, so the order is found with one GetItem (a notification
costs one read and one write) and a second create of the same order fails on the key. Each transition is an update
conditional on the version read: concurrent duplicate notifications race, one write wins, the others re-read,
find the state already reached and do nothing, so a change (and the hooks and realtime events it drives) happens
once. States follow WeChat Pay's `trade_state`:

    NOTPAY ─┬─> SUCCESS ──> REFUND          (any accepted refund; `refunds` lists each, `refunded` sums them)
            ├─> CLOSED | REVOKED ──> SUCCESS  (closed at expiry or by the team's code; SUCCESS only if
            │                                    WeChat Pay verifiably says it was paid after all)
            ├─> PAYERROR ──> SUCCESS | CLOSED
            └─> USERPAYING ──> any of the above
"""
from __future__ import annotations

import hashlib
import random
import time
from typing import Any, Callable

from chalicelib.core import ids, logs
from chalicelib.core.errors import BadRequest, Conflict, NotFound, invalid
from chalicelib.records import access, store
from chalicelib.records.query import render
from chalicelib.records.schema import fields
from chalicelib.records.schema.collections import PAYMENTS

NEXT_STATES = {
    "NOTPAY": {"SUCCESS", "CLOSED", "REVOKED", "PAYERROR", "USERPAYING"},
    "USERPAYING": {"SUCCESS", "CLOSED", "REVOKED", "PAYERROR", "NOTPAY"},
    "PAYERROR": {"SUCCESS", "CLOSED"},
    "SUCCESS": {"REFUND"},
    "REFUND": set(),
    # WeChat Pay's verified word that money was taken outranks a local close (a close that crossed the payment)
    "CLOSED": {"SUCCESS"},
    "REVOKED": {"SUCCESS"},
}
MAX_ATTEMPTS = 12
FAILED_REFUNDS = ("CLOSED", "REFUSED")  # REFUSED: WeChat Pay turned the refund request down
SETTLED_REFUNDS = ("SUCCESS", "ABNORMAL") + FAILED_REFUNDS
ADMIN = access.Caller(is_admin=True)


def record_id(mchid: str, out_trade_no: str) -> str:
    """15 characters of [a-z0-9] from sha256(mchid:out_trade_no) (collisions: about 1 in 2^77)."""
    value = int.from_bytes(hashlib.sha256(f"{mchid}:{out_trade_no}".encode()).digest()[:10], "big")
    digits = []
    for _ in range(ids.ID_LENGTH):
        value, rem = divmod(value, 36)
        digits.append(ids.ALPHABET[rem])
    return "".join(digits)


def find(mchid: str, out_trade_no: str) -> store.StoredRecord | None:
    return store.get(PAYMENTS, record_id(mchid, out_trade_no))


def require(mchid: str, out_trade_no: str) -> store.StoredRecord:
    found = find(mchid, out_trade_no)
    if found is None:
        raise NotFound("No payment with that outTradeNo.")
    return found


def as_admin(record: store.StoredRecord) -> dict[str, Any]:
    return dict(render.for_caller(access.collection(PAYMENTS), record, ADMIN))


def create(data: dict[str, Any]) -> tuple[store.StoredRecord, bool]:
    """(record, True) for a new NOTPAY order; (existing record, False) when this order was created before."""
    collection = access.collection(PAYMENTS)
    values, _ = fields.apply(collection, {**data, "status": "NOTPAY", "refunded": 0, "refunds": []})
    record = store.new(collection, values, record_id=record_id(data["mchid"], data["outTradeNo"]))
    changes = store.Changes()
    changes.create(collection, record)
    try:
        changes.commit()
    except store.WriteRejected:
        return require(data["mchid"], data["outTradeNo"]), False
    logs.event("payment_created", mchid=data["mchid"], outTradeNo=data["outTradeNo"], amount=data["amount"])
    return record, True


def change(mchid: str, out_trade_no: str,
           decide: Callable[[store.StoredRecord], dict[str, Any] | None]) -> tuple[store.StoredRecord, bool]:
    """Apply `decide(current)` (the fields to change, or None for nothing) as a write conditional on the version
    read; a lost race re-reads and decides again. (record as stored, whether this call changed it)."""
    collection = access.collection(PAYMENTS)
    for attempt in range(MAX_ATTEMPTS):
        current = require(mchid, out_trade_no)
        wanted = decide(current)
        if not wanted:
            return current, False
        data, _ = fields.apply(collection, wanted, old=current.data)
        changes = store.Changes()
        updated = changes.update(collection, current, data)
        try:
            changes.commit()
        except store.WriteRejected:
            time.sleep(random.uniform(0, 0.003 * 2 ** min(attempt, 6)))
            continue
        return updated, True
    raise Conflict()


def apply_transaction(mchid: str, transaction: dict[str, Any]) -> tuple[store.StoredRecord, bool]:
    """WeChat Pay's transaction (a verified notification or query answer) applied to its order, at most once."""
    out_trade_no = str(transaction.get("out_trade_no") or "")
    state = str(transaction.get("trade_state") or "")
    if state not in NEXT_STATES:
        raise BadRequest(f"Unknown trade_state {state!r}.")
    amount = (transaction.get("amount") or {}).get("total")

    def decide(current: store.StoredRecord) -> dict[str, Any] | None:
        if transaction.get("appid") not in (None, current.data.get("appid")):
            raise invalid("appid", "validation_invalid_value", "The transaction is for another app.")
        if amount is not None and amount != current.data.get("amount"):
            raise invalid("amount", "validation_invalid_value", "The amount differs from the order's.")
        status = str(current.data.get("status") or "")
        if state == status or state not in NEXT_STATES.get(status, set()):
            return None
        wanted: dict[str, Any] = {"status": state}
        if transaction.get("transaction_id"):
            wanted["transactionId"] = transaction["transaction_id"]
        if state == "SUCCESS" and transaction.get("success_time"):
            wanted["paidAt"] = transaction["success_time"]
        return wanted

    record, changed = change(mchid, out_trade_no, decide)
    if changed:
        logs.event("payment_state", mchid=mchid, outTradeNo=out_trade_no, status=record.data.get("status"))
    return record, changed


def refund_entry(record: store.StoredRecord, out_refund_no: str) -> dict[str, Any] | None:
    return next((r for r in record.data.get("refunds") or [] if r.get("outRefundNo") == out_refund_no), None)


def add_refund(mchid: str, out_trade_no: str, out_refund_no: str, amount: int,
               reason: str | None) -> tuple[store.StoredRecord, bool]:
    """Reserve a refund on the order before WeChat Pay is asked: refused when the order isn't paid or the refunds
    would pass its amount; the same refund number again changes nothing (and is sent again, which WeChat Pay
    answers with the same refund)."""

    def decide(current: store.StoredRecord) -> dict[str, Any] | None:
        existing = refund_entry(current, out_refund_no)
        if existing is not None and existing.get("amount") != amount:
            raise invalid("amount", "validation_invalid_value", "This refund number was used for another amount.")
        if existing is not None and existing.get("status") not in FAILED_REFUNDS:
            return None  # the same refund: sent again as it is
        if current.data.get("status") not in ("SUCCESS", "REFUND"):
            raise invalid("outTradeNo", "validation_invalid_value", "Only a paid order can be refunded.")
        refunded = int(current.data.get("refunded") or 0)
        if refunded + amount > int(current.data["amount"]):
            raise invalid("amount", "validation_max_number_constraint",
                          f"At most {int(current.data['amount']) - refunded} can still be refunded.")
        entry = {"outRefundNo": out_refund_no, "amount": amount, "status": "PROCESSING", "reason": reason or ""}
        others = [r for r in current.data.get("refunds") or [] if r.get("outRefundNo") != out_refund_no]
        return {"refunds": others + [entry], "refunded": refunded + amount, "status": "REFUND"}

    return change(mchid, out_trade_no, decide)


def apply_refund(mchid: str, refund: dict[str, Any]) -> tuple[store.StoredRecord, bool]:
    """WeChat Pay's refund (the refund answer, a query or a verified REFUND.* notification) on its entry. A refund
    made outside wxbase (the merchant platform) is added; one that failed (CLOSED, or refused: REFUSED) gives its
    amount back, and an order left with no refund is SUCCESS again."""
    out_refund_no = str(refund.get("out_refund_no") or "")
    status = str(refund.get("status") or refund.get("refund_status") or "")
    amount = int((refund.get("amount") or {}).get("refund") or 0)

    def decide(current: store.StoredRecord) -> dict[str, Any] | None:
        refunds = list(current.data.get("refunds") or [])
        refunded = int(current.data.get("refunded") or 0)
        existing = refund_entry(current, out_refund_no)
        if existing is None:
            if not amount or status in FAILED_REFUNDS:
                return None
            existing = {"outRefundNo": out_refund_no, "amount": amount, "status": "", "reason": ""}
            refunds.append(existing)  # made elsewhere: counted now
            refunded += amount
        elif existing.get("status") in SETTLED_REFUNDS or existing.get("status") == status:
            return None  # settled (a later answer can't undo it) or unchanged
        entry = dict(existing, status=status, refundId=refund.get("refund_id") or existing.get("refundId", ""))
        if refund.get("success_time"):
            entry["successTime"] = refund["success_time"]
        refunds = [entry if r.get("outRefundNo") == out_refund_no else r for r in refunds]
        if status in FAILED_REFUNDS:  # a refund that failed gives its amount back
            refunded -= int(existing.get("amount") or 0)
        wanted: dict[str, Any] = {"refunds": refunds, "refunded": refunded}
        if status not in FAILED_REFUNDS:
            wanted["status"] = "REFUND"
        elif not any(r.get("status") not in FAILED_REFUNDS for r in refunds):
            wanted["status"] = "SUCCESS"  # no refund happened after all
        return wanted

    return change(mchid, str(refund.get("out_trade_no") or ""), decide)
