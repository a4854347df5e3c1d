"""Daily reconciliation: WeChat Pay's trade bill for a day against the `payments` records.

The bill (`/v3/bill/tradebill`, then its download URL; the download is checked against the SHA1 the signed answer
gave) lists every transaction of the day in China time as CSV, each value prefixed with a backtick, amounts in
yuan. Differences reported:
- `not_in_wxbase`: the bill has a payment wxbase has no order for;
- `not_applied`: the bill has a payment whose record isn't paid (a lost notification the expiry check hasn't met
  yet): the order is queried, which applies it, and the difference says so;
- `amount`: the bill's amount isn't the record's;
- `not_in_bill`: a record paid that day that the bill doesn't list.
The report is kept per merchant and day (keys.payment_bill_report) and logged.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from chalicelib.core import logs
from chalicelib.payments import api, orders
from chalicelib.payments.merchants import Merchant
from chalicelib.store import keys, table

CHINA = timezone(timedelta(hours=8))
PAID = ("SUCCESS", "REFUND")
HEADER_TRADE_NO = "商户订单号"
HEADER_STATE = "交易状态"
HEADER_AMOUNT = "应结订单金额"
HEADER_TRANSACTION = "微信订单号"
MAX_DIFFERENCES = 200  # kept in the report item (each also goes to the log)


def parse_trade_bill(text: str) -> list[dict[str, str]]:
    """The transaction rows of a trade bill (the summary lines after them are not transactions)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        return []
    header = [h.strip() for h in rows[0]]
    found = []
    for row in rows[1:]:
        if not row or not row[0].startswith("`"):
            break  # the summary's header ends the transactions
        found.append({name: value.lstrip("`").strip() for name, value in zip(header, row)})
    return found


def fen(yuan: str) -> int:
    return int((Decimal(yuan or "0") * 100).to_integral_value())


def _records_of(merchant: Merchant, day: date) -> list[dict[str, Any]]:
    """Payments of this merchant created from two days before `day` to its end (orders expire within hours), read
    by creation time, page by page."""
    from chalicelib.records import access
    from chalicelib.records.query import listing

    start = datetime.combine(day - timedelta(days=2), datetime.min.time(), CHINA).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), CHINA).astimezone(timezone.utc)
    expression = (f"mchid = '{merchant.mchid}' && created >= '{start:%Y-%m-%d %H:%M:%S}.000Z' && "
                  f"created < '{end:%Y-%m-%d %H:%M:%S}.000Z'")
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"filter": expression, "perPage": 500, "sort": "created", "skipTotal": 1}
    while True:
        page = listing.list_records("payments", params, access.Caller(is_admin=True))
        found += page["items"]
        if not page.get("nextCursor") or len(page["items"]) < params["perPage"]:
            return found
        params = {**params, "cursor": page["nextCursor"]}


def _paid_on(record: dict[str, Any], day: date) -> bool:
    paid = str(record.get("paidAt") or "")
    if not paid:
        return False
    at = datetime.strptime(paid[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    return at.astimezone(CHINA).date() == day


def reconcile(merchant: Merchant, day: date) -> dict[str, Any]:
    """Compare one day's trade bill with the records; the report (also stored and logged)."""
    from chalicelib.payments import service

    meta = api.call(merchant, "GET", "/v3/bill/tradebill", query={"bill_date": day.isoformat(), "bill_type": "ALL"})
    bill = parse_trade_bill(api.download(merchant, str(meta.get("download_url", "")),
                                         str(meta.get("hash_value", ""))).decode("utf-8"))
    records = {r["outTradeNo"]: r for r in _records_of(merchant, day)}
    differences: list[dict[str, Any]] = []
    billed = set()
    for row in bill:
        if row.get(HEADER_STATE) != "SUCCESS":
            continue  # refunds appear as REFUND rows of their own
        no, amount = row.get(HEADER_TRADE_NO, ""), fen(row.get(HEADER_AMOUNT, "0"))
        billed.add(no)
        record = records.get(no)
        if record is None and orders.find(merchant.mchid, no) is not None:
            record = orders.as_admin(orders.require(merchant.mchid, no))  # created before the window read
        if record is None:
            differences.append({"outTradeNo": no, "kind": "not_in_wxbase", "billAmount": amount})
        elif record["amount"] != amount:
            differences.append({"outTradeNo": no, "kind": "amount", "billAmount": amount,
                                "amount": record["amount"]})
        elif record["status"] not in PAID:
            now = service.query(merchant, no)["status"]
            differences.append({"outTradeNo": no, "kind": "not_applied", "status": record["status"],
                                "statusNow": now})
    for no, record in records.items():
        if record["status"] in PAID and _paid_on(record, day) and no not in billed:
            differences.append({"outTradeNo": no, "kind": "not_in_bill", "amount": record["amount"]})
    report = {"mchid": merchant.mchid, "day": day.isoformat(), "billed": len(billed),
              "billedAmount": sum(fen(r.get(HEADER_AMOUNT, "0")) for r in bill if r.get(HEADER_STATE) == "SUCCESS"),
              "differences": differences[:MAX_DIFFERENCES], "differenceCount": len(differences),
              "checkedAt": datetime.now(timezone.utc).isoformat()}
    table.put({**keys.payment_bill_report(merchant.mchid, day.isoformat()), **report})
    logs.event("payments_reconciled", mchid=merchant.mchid, day=day.isoformat(), billed=len(billed),
               differences=len(differences))
    for difference in differences[:MAX_DIFFERENCES]:
        logs.event("payments_difference", mchid=merchant.mchid, day=day.isoformat(), **difference)
    return report


def latest_reports(days: int) -> list[dict[str, Any]]:
    """Each merchant's reports of the last `days` days that were reconciled, newest first."""
    from chalicelib.payments import merchants

    found: list[dict[str, Any]] = []
    for merchant in merchants.merchants():
        key = keys.payment_bill_report(merchant.mchid, "")
        items = table.query("#p = :p", names={"#p": keys.TABLE_PK}, values={":p": key[keys.TABLE_PK]},
                            forward=False, limit=days)[0]
        found += [{k: v for k, v in item.items() if k not in (keys.TABLE_PK, keys.TABLE_SK)} for item in items]
    return sorted(found, key=lambda r: (r["day"], r["mchid"]), reverse=True)


def run(day: date | None = None) -> list[dict[str, Any]]:
    """The scheduled job: yesterday (China time) for every merchant."""
    from chalicelib.payments import merchants

    day = day or (datetime.now(CHINA).date() - timedelta(days=1))
    return [reconcile(m, day) for m in merchants.merchants()]
