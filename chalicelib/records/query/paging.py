"""Reading a planned query page by page in O(perPage), totals, and where the next page starts.

- A page reads until it has perPage matches; a residual filter may discard items, so a page reads at most
  planner.MAX_SCANNED items and a query that would read more is a 400 (planner.TooBroad) naming the index to add.
- Sequential `page=N`: after serving page N, the start key of page N+1 is stored in a small TTL'd marker item keyed
  by a hash of the query's shape and auth scope, so page N+1 costs one GetItem plus one page of reads, not N pages.
- `cursor` (the `nextCursor` of the previous page) carries the start key itself, HMAC-signed with a key derived from
  the JWT secret and bound to the query's hash, so it can't be forged or replayed against another query.
- Totals: the counters kept by records/store.py answer "the whole collection" and "one index value"; other queries
  count with Select=COUNT under the same MAX_SCANNED bound (or skipTotal).
- A sharded collection (`"wxbase": {"writeShards": N}`): a page is a merge of the N shards' ordered reads. Every
  path's sort key ends in the record id, so it is unique and the merged order is total and the same as one shard's.
  Each shard is read in chunks of about perPage / N, refilled when it runs dry, so a page reads about
  perPage + N × chunk items. Where the next page starts is the last sort key taken (`{"after": …}`): each shard's
  read resumes past it with a key condition, so page markers and cursors stay one value and page 40 costs page 1.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections import deque
from typing import Any, Protocol

from chalicelib.core.errors import BadRequest, field_error
from chalicelib.core.patterns import lazy
from chalicelib.core.settings import get_settings
from chalicelib.records import store
from chalicelib.records.filter import evaluate
from chalicelib.records.filter.tree import TRUE
from chalicelib.records.query.planner import MAX_SCANNED, Plan, TooBroad
from chalicelib.store import keys, table

MARKER_TTL_SECONDS = 3600
_PLACEHOLDER = lazy(r"[#:][A-Za-z0-9_]+")


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
    joins = joins or evaluate.NO_JOINS
    if p.partitions:
        return _merged_read(p, start_key, want, budget, source, joins)
    found: list[store.StoredRecord] = []
    scanned, start = 0, start_key
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


def _shard_condition(p: Plan, partition: str, after: str | None) -> tuple[str, dict, dict]:
    """One shard's key condition (past `after`, the last sort key taken, when given) with the filter's names and
    values: (key condition, names, values)."""
    pk, sk = p.path_attributes
    names, values = {"#shp": pk}, {":shp": partition}
    condition = "#shp = :shp"
    if after is not None:
        names["#shs"], values[":sha"] = sk, after
        if p.forward:
            condition += " AND #shs > :sha"
        elif p.slot is None:  # a record partition holds its counters too (`#N…`, sorted before `R#`)
            condition += " AND #shs BETWEEN :shr AND :sha"
            values[":shr"] = keys.RECORD_SK_PREFIX
        else:
            condition += " AND #shs < :sha"
    elif p.slot is None:
        names["#shs"], values[":shr"] = sk, keys.RECORD_SK_PREFIX
        condition += " AND begins_with(#shs, :shr)"
    used = set(_PLACEHOLDER.findall(p.filter or ""))
    names.update({k: v for k, v in p.builder.names.items() if k in used})
    values.update({k: v for k, v in p.builder.values.items() if k in used})
    return condition, names, values


def _position(start_key: dict | None) -> str | None:
    if start_key is None:
        return None
    after = start_key.get("after") if isinstance(start_key, dict) else None
    if not isinstance(after, str):
        raise BadRequest("Invalid cursor: pass the nextCursor of the same query.",
                         {"cursor": field_error("validation_invalid_cursor", "Invalid or tampered cursor.")})
    return after


def _merged_read(p: Plan, start_key: dict | None, want: int, budget: int, source: ItemSource | Any,
                 joins: evaluate.Joins) -> tuple[list[store.StoredRecord], dict | None, int]:
    """`read` over a sharded collection: a merge of every shard's ordered read, ties impossible (sort keys end in
    the record id). Reads about `want` items in all plus one chunk per shard."""
    after = _position(start_key)
    sort_attribute = p.path_attributes[1]
    shards = len(p.partitions)
    check = p.residual != TRUE
    chunk = -(-(max(want, 100) if check else want) // shards) + 1
    buffers: list[deque[tuple[str, store.StoredRecord]]] = [deque() for _ in range(shards)]
    resume: list[dict | None] = [None] * shards
    more = [True] * shards
    scanned = 0

    def refill(k: int) -> None:
        nonlocal scanned
        if scanned > budget:
            raise TooBroad(p, "reads")
        condition, names, values = _shard_condition(p, p.partitions[k], after)
        limit = max(1, min(chunk, budget - scanned + 1))
        batch, resume[k] = source.query(condition, names=names, values=values, index=p.index, limit=limit,
                                        forward=p.forward, start_key=resume[k], filter_expression=p.filter,
                                        consistent=p.index is None)
        more[k] = resume[k] is not None
        scanned += limit if more[k] else len(batch)
        batch = [item for item in batch if item[sort_attribute] != after]  # BETWEEN includes it
        records = store.from_items(batch)
        if check:
            joins.prefetch(records, p.residual)
        buffers[k].extend(zip((item[sort_attribute] for item in batch), records))

    found: list[store.StoredRecord] = []
    last = ""
    pick = min if p.forward else max
    while len(found) < want:
        for k in range(shards):
            while not buffers[k] and more[k]:
                refill(k)
        heads = [k for k in range(shards) if buffers[k]]
        if not heads:
            return found, None, scanned
        sort_key, record = buffers[pick(heads, key=lambda k: buffers[k][0][0])].popleft()
        if check and not evaluate.evaluate(p.residual, record, joins):
            continue
        found.append(record)
        last = sort_key
    pending = any(buffers[k] or more[k] for k in range(shards))
    return found, ({"after": last} if pending else None), scanned


def _count_sharded(p: Plan, source: ItemSource | Any) -> int:
    result, scanned = 0, 0
    for partition in p.partitions:
        condition, names, values = _shard_condition(p, partition, None)
        start = None
        while True:
            n, read_now, start = source.count(condition, names=names, values=values, index=p.index,
                                              filter_expression=p.filter, start_key=start,
                                              limit=MAX_SCANNED - scanned + 1)
            result += n
            scanned += read_now
            if scanned > MAX_SCANNED:
                raise TooBroad(p, "would count")
            if start is None:
                break
    return result


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
    if p.partitions:
        return _count_sharded(p, source)
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
