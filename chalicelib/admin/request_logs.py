"""The request logs as PocketBase's logs API answers them (`/api/logs`, `/api/logs/{id}`, `/api/logs/stats`).

Entries live in one partition per UTC day (store/keys.py), so a read queries the days of the retention window,
newest first, and only the days a top-level `created` bound in the filter leaves. The filter, sort and `fields`
are PocketBase's, over the `_logs` columns: `id`, `created`, `level`, `message` and the JSON `data`
(`data.status >= 400`, `data.auth = "users"`). One read looks at the newest MAX_SCANNED entries of those days:
narrow a busier window with `created`.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from chalicelib.core import ids, settings
from chalicelib.core.errors import NotFound, invalid
from chalicelib.admin import cursors, rows
from chalicelib.logs import writer
from chalicelib.records.filter import evaluate
from chalicelib.records.filter.tree import Compare, FieldRef, Literal, Node, Op, conjuncts
from chalicelib.records.query import render
from chalicelib.store import keys, table

MAX_SCANNED = 20_000
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000  # PocketBase's

_COLUMNS = rows.Columns("_logs", {"level": "number", "message": "text", "data": "json"}, dates=("created",))
_DAY = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")


def public(item: dict[str, Any]) -> dict[str, Any]:
    return {"id": item["id"], "created": item["created"], "data": item.get("data") or {},
            "message": item.get("message", ""), "level": item.get("level", 0)}


def _days(node: Node, now: datetime) -> list[str]:
    """The UTC days to read, newest first: the retention window, cut by top-level `created` bounds."""
    window = max(settings.logs_days(), 1)
    first, last = (now - timedelta(days=window)).strftime("%Y-%m-%d"), now.strftime("%Y-%m-%d")
    for term in conjuncts(node):
        if isinstance(term, Compare) and isinstance(term.left, FieldRef) and term.left.plain \
                and term.left.name == "created" and isinstance(term.right, Literal) \
                and isinstance(term.right.value, str) and _DAY.match(term.right.value):
            day = term.right.value[:10]
            if term.op in (Op.GT, Op.GTE, Op.EQ):
                first = max(first, day)
            if term.op in (Op.LT, Op.LTE, Op.EQ):
                last = min(last, day)
    days: list[str] = []
    cursor = datetime.strptime(last, "%Y-%m-%d")
    while last >= first and cursor.strftime("%Y-%m-%d") >= first:
        days.append(cursor.strftime("%Y-%m-%d"))
        cursor -= timedelta(days=1)
    return days


def _matches(params: dict[str, str]) -> list[rows.Row]:
    writer.flush(timeout=2.0)  # this process's latest entries first: an admin sees the request just made
    node = _COLUMNS.bind(params.get("filter") or "")
    now = datetime.now(timezone.utc)
    alive = int(now.timestamp())
    found: list[rows.Row] = []
    scanned = 0
    for day in _days(node, now):
        start = None
        while scanned < MAX_SCANNED:
            items, start = table.query("#pk = :pk", names={"#pk": keys.TABLE_PK},
                                       values={":pk": keys.log_day(day)}, forward=False, start_key=start,
                                       limit=min(1000, MAX_SCANNED - scanned))
            scanned += len(items)
            found += [r for r in (rows.Row(i) for i in items if i.get(keys.TTL_ATTRIBUTE, alive) >= alive)
                      if evaluate.evaluate(node, r)]
            if start is None:
                break
    found.reverse()  # oldest first: PocketBase's order without a sort
    return found


def entries(params: dict[str, str]) -> dict[str, Any]:
    """`GET /api/logs`: PocketBase's list answer (page, perPage, totalItems, totalPages, items)."""
    page = cursors.whole_number(params, "page", 1)
    per_page = cursors.per_page(params, default=DEFAULT_PER_PAGE, maximum=MAX_PER_PAGE)
    found = _COLUMNS.sort(_matches(params), params.get("sort") or "")
    items = [render.pick(public(r.item), params.get("fields")) for r in found[(page - 1) * per_page:page * per_page]]
    skip_total = str(params.get("skipTotal") or "").lower() in ("1", "true")
    total = -1 if skip_total else len(found)
    pages = -1 if skip_total else -(-total // per_page)
    return {"items": items, "page": page, "perPage": per_page, "totalItems": total, "totalPages": pages}


def stats(params: dict[str, str]) -> list[dict[str, Any]]:
    """`GET /api/logs/stats`: the matching entries counted per hour, oldest hour first."""
    hours: dict[str, int] = {}
    for row in _matches(params):
        hour = str(row.item.get("created", ""))[:13] + ":00:00.000Z"
        hours[hour] = hours.get(hour, 0) + 1
    return [{"date": hour, "total": total} for hour, total in sorted(hours.items())]


def entry(log_id: str) -> dict[str, Any]:
    """`GET /api/logs/{id}`: one entry; 404 for an unknown or expired id."""
    if not ids.is_valid_id(log_id):
        raise NotFound()
    writer.flush(timeout=2.0)
    created = datetime.fromtimestamp(ids.id_millis(log_id) / 1000, tz=timezone.utc).strftime("%Y-%m-%d")
    item = table.get(keys.log_entry(created, log_id), consistent=False)
    if item is None or item.get(keys.TTL_ATTRIBUTE, 0) < int(datetime.now(timezone.utc).timestamp()):
        raise NotFound()
    return public(item)
