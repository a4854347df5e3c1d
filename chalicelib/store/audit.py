"""The admin audit trail: who changed what, and when — never a value, only names (fields, ids, counts).

Entries live in one partition (`keys.audit_entry`), sorted by time, and expire after KEEP_DAYS. A record change
made by an admin carries its entry in the record's own transaction (records/write/record_writes.py), so an answered
change is
never missing from the trail; other admin actions write theirs with the action.
"""
from __future__ import annotations

import time
from typing import Any

from chalicelib.core import clock, ids
from chalicelib.store import keys, table

KEEP_DAYS = 400
MAX_FIELDS = 200
MAX_DETAIL_ITEMS = 50

Item = dict[str, Any]


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in list(value)[:MAX_DETAIL_ITEMS]]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value[:200] if isinstance(value, str) else value
    return str(value)[:200]


def entry(admin: str, action: str, collection: str | None = None, record: str | None = None,
          fields: list[str] | None = None, detail: dict[str, Any] | None = None) -> Item:
    """An audit item: `fields` are the names of the fields changed, `detail` small plain values (ids, counts)."""
    at = clock.pb_datetime()
    entry_id = ids.new_id()
    item: Item = {**keys.audit_entry(at, entry_id), "id": entry_id, "at": at, "admin": admin, "action": action,
                  keys.TTL_ATTRIBUTE: int(time.time()) + KEEP_DAYS * 86400}
    if collection:
        item["collection"] = collection
    if record:
        item["record"] = record
    if fields is not None:
        item["fields"] = sorted(str(f) for f in fields)[:MAX_FIELDS]
    if detail:
        item["detail"] = {str(k): _plain(v) for k, v in detail.items()}
    return item


def put_op(item: Item) -> dict:
    """The entry as an action of another transaction (the change it describes)."""
    return table.put_op(item)


def write(item: Item) -> None:
    table.put(item)


def page(limit: int, start: Item | None = None) -> tuple[list[Item], Item | None]:
    """Entries newest first: (items, the key to continue after)."""
    return table.query("#pk = :pk", names={"#pk": keys.TABLE_PK}, values={":pk": keys.AUDIT_LOG}, limit=limit,
                       forward=False, start_key=start)


def public(item: Item) -> Item:
    """An entry as the API shows it."""
    return {k: item[k] for k in ("id", "at", "admin", "action", "collection", "record", "fields", "detail")
            if k in item}
