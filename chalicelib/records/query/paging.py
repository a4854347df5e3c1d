"""Reading a planned query page by page in O(perPage), totals, and where the next page starts.

- A page reads until it has perPage matches; a residual filter may discard items, so a page reads at most
  planner.MAX_SCANNED items and a query that would read more is a 400 (planner.TooBroad) naming the index to add.
- Sequential `page=N`: after serving page N, the start key of page N+1 is stored in a small TTL'd marker item keyed
  by a hash of the query's shape and auth scope, so page N+1 costs one GetItem plus one page of reads, not N pages.
- `cursor` (the `nextCursor` of the previous page) carries the start key itself, HMAC-signed with a key derived from
  the JWT secret and bound to the query's hash, so it can't be forged or replayed against another query.
- Totals: the counters kept by records/store.py answer "the whole collection" and "one index value"; other queries
  count with Select=COUNT under the same MAX_SCANNED bound (or skipTotal).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any, Protocol

from chalicelib.core.errors import BadRequest, field_error
from chalicelib.core.settings import get_settings
from chalicelib.records import store
from chalicelib.records.filter import evaluate
from chalicelib.records.filter.tree import TRUE
from chalicelib.records.query.planner import MAX_SCANNED, Plan, TooBroad
from chalicelib.store import keys, table

MARKER_TTL_SECONDS = 3600


class ItemSource(Protocol):
    """The two reads paging needs (store/table.py's signatures); tests may pass an in-memory table."""

    def query(self, key_condition: str, names: dict | None = None, values: dict | None = None,
              index: str | None = None, limit: int | None = None, forward: bool = True,
              start_key: dict | None = None, filter_expression: str | None = None,
              consistent: bool = False) -> tuple[list[dict], dict | None]: ...

    def count(self, key_condition: str, names: dict | None = None, values: dict | None = None,
              index: str | None = None, filter_expression: str | None = None, start_key: dict | None = None,
              limit: int | None = None) -> tuple[int, int, dict | None]: ...


def _key_of(p: Plan, item: dict[str, Any]) -> dict[str, Any]:
    return {name: item[name] for name in p.key_attributes}


def read(p: Plan, start_key: dict | None, want: int, budget: int = MAX_SCANNED,
         source: ItemSource | Any = table, joins: evaluate.Joins | None = None
         ) -> tuple[list[store.StoredRecord], dict | None, int]:
    """Up to `want` matching records from start_key: (records, next start key or None, items read). Every item
    read is checked against the residual in Python (DynamoDB filtered only what it answers exactly)."""
    found: list[store.StoredRecord] = []
    scanned, start = 0, start_key
    joins = joins or evaluate.NO_JOINS
    check = p.residual != TRUE
    while True:
        # items may be filtered out: read at least 100 at a time so a sparse match doesn't cost a request each
        chunk = max(want - len(found), min(100, budget - scanned)) if check else want - len(found)
        chunk = max(1, min(chunk, budget - scanned + 1))
        batch, last = source.query(p.key_condition, names=p.builder.names, values=p.builder.values, index=p.index,
                                   limit=chunk, forward=p.forward, start_key=start, filter_expression=p.filter,
                                   consistent=p.index is None)
        scanned += chunk if last else len(batch)
        records = store.from_items(batch)
        if check:
            joins.prefetch(records, p.residual)
        for item, record in zip(batch, records):
            if check and not evaluate.evaluate(p.residual, record, joins):
                continue
            found.append(record)
            if len(found) == want:
                more = last is not None or item is not batch[-1]
                return found, (_key_of(p, item) if more else None), scanned
        if last is None:
            return found, None, scanned
        if scanned > budget:
            raise TooBroad(p, "reads")
        start = last


def total(p: Plan, source: ItemSource | Any = table, joins: evaluate.Joins | None = None) -> int:
    """Records matching the query: a counter when one covers it, a bounded Select=COUNT when DynamoDB answers the
    filter exactly, else the matches of a bounded read."""
    if p.counter_scope is not None:
        return store.count(p.collection.name, p.counter_scope)
    if not p.exact:
        found, more, _ = read(p, None, MAX_SCANNED + 1, source=source, joins=joins)
        if more is not None or len(found) > MAX_SCANNED:
            raise TooBroad(p, "would count")
        return len(found)
    result, scanned, start = 0, 0, None
    while True:
        n, read_now, start = source.count(p.key_condition, names=p.builder.names, values=p.builder.values,
                                          index=p.index, filter_expression=p.filter, start_key=start,
                                          limit=MAX_SCANNED - scanned + 1)
        result += n
        scanned += read_now
        if start is None:
            return result
        if scanned > MAX_SCANNED:
            raise TooBroad(p, "would count")


def query_hash(p: Plan, per_page: int, scope: str) -> str:
    raw = json.dumps({"shape": p.shape, "perPage": per_page, "scope": scope}, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


# --- page markers ------------------------------------------------------------------------------------------------

def page_start(qhash: str, page: int) -> tuple[dict | None, bool]:
    """(start_key, found): where page `page` starts, from its marker."""
    marker = table.get(keys.page_marker(qhash, page), consistent=False)
    if marker is None or marker.get(keys.TTL_ATTRIBUTE, 0) < time.time():
        return None, False
    return (json.loads(marker["start"]) if marker.get("start") else None), True


def nearest_marker(qhash: str, page: int) -> tuple[int, dict | None]:
    """The closest earlier page with a marker: (page, start_key); (1, None) when there is none."""
    key = keys.page_marker(qhash, page)
    found, _ = table.query("#pk = :pk AND #sk < :sk", names={"#pk": keys.TABLE_PK, "#sk": keys.TABLE_SK},
                           values={":pk": key[keys.TABLE_PK], ":sk": key[keys.TABLE_SK]}, forward=False, limit=1)
    if found and found[0].get(keys.TTL_ATTRIBUTE, 0) >= time.time():
        return keys.page_of_marker(found[0][keys.TABLE_SK]), json.loads(found[0]["start"])
    return 1, None


def remember(qhash: str, page: int, start_key: dict) -> None:
    table.put({**keys.page_marker(qhash, page), "start": json.dumps(start_key, sort_keys=True),
               keys.TTL_ATTRIBUTE: int(time.time()) + MARKER_TTL_SECONDS})


# --- cursors -----------------------------------------------------------------------------------------------------

def _cursor_key() -> bytes:
    secret = get_settings().jwt_secret.reveal().encode()
    return hmac.new(secret, b"wxbase records cursor v1", hashlib.sha256).digest()


def encode_cursor(qhash: str, position: Any) -> str:
    payload = base64.urlsafe_b64encode(json.dumps({"q": qhash, "p": position}, sort_keys=True,
                                                  separators=(",", ":")).encode()).rstrip(b"=")
    mac = base64.urlsafe_b64encode(hmac.new(_cursor_key(), payload, hashlib.sha256).digest()[:18])
    return (payload + b"." + mac).decode()


def decode_cursor(cursor: Any, qhash: str) -> Any:
    bad = BadRequest("Invalid cursor: pass the nextCursor of the same query.",
                     {"cursor": field_error("validation_invalid_cursor", "Invalid or tampered cursor.")})
    if not isinstance(cursor, str) or len(cursor) > 4096 or cursor.count(".") != 1:
        raise bad
    payload, mac = cursor.encode().split(b".")
    expected = base64.urlsafe_b64encode(hmac.new(_cursor_key(), payload, hashlib.sha256).digest()[:18])
    if not hmac.compare_digest(mac, expected):
        raise bad
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
    except ValueError:
        raise bad from None
    if not isinstance(data, dict) or data.get("q") != qhash:
        raise bad
    return data.get("p")
