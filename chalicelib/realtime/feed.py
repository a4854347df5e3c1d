"""The change feed: every record change of a collection, in order, for KEEP_SECONDS (24 hours, as long as the table's
stream keeps changes), read with each reader's rules applied.

The realtime step (realtime/fanout.py) appends one entry per change before it sends the change's events, under a
cursor `<epoch ms, 13 digits>-<10 hex digits of the change>`: events carry it, and a client that lost its
connection asks `GET /api/realtime/changes?collection=&since=<cursor>` for what came after (so do polling clients).
Entries are stamped when the step runs, and steps of different shards run side by side, so an entry may land a
moment after a later-stamped one: a read returns only entries stamped SETTLE_MS before now, and the cursor it hands
back never passes that point. An entry keeps the record's images (old and new) for the rule checks; an image over
MAX_IMAGE_BYTES is left out (a create or update is then checked against the record as it is when read, and a delete
is skipped). Reads are bounded: at most MAX_SCANNED entries and MAX_PAGE_BYTES of records per page.
A collection with write shards has a feed per shard (a change goes to its record's shard, where the record was
written): a read merges them in cursor order.
"""
from __future__ import annotations

import hashlib
import heapq
import json
import re
import time
from typing import Any, Iterator

from chalicelib.core.errors import ApiError, BadRequest, field_error
from chalicelib.records import access, layout, store
from chalicelib.records.query import render
from chalicelib.records.changes import RecordChange
from chalicelib.realtime.audience import check_filter, decide, rule_name
from chalicelib.store import keys, table

KEEP_SECONDS = 24 * 3600
SETTLE_MS = 1000
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_SCANNED = 500
MAX_PAGE_BYTES = 1_000_000
MAX_IMAGE_BYTES = 150_000  # two of them fit in one item (DynamoDB's limit is 400 KB)
CURSOR = re.compile(r"^\d{13}-[0-9a-f]{10}$")


class CursorExpired(ApiError):
    status = 410
    default_message = "The cursor is older than the change feed keeps (24 hours); read the records again."


def _ms(now: float | None) -> int:
    return int((time.time() if now is None else now) * 1000)


def cursor_of(change: RecordChange, now: float | None = None) -> str:
    digest = hashlib.sha256(change.change_id.encode()).hexdigest()[:10]
    return f"{_ms(now):013d}-{digest}"


def head(now: float | None = None) -> str:
    """The newest cursor a read may hand out now: everything up to it has settled."""
    return f"{_ms(now) - SETTLE_MS:013d}-ffffffffff"


def _image(record: store.StoredRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    image = {"id": record.id, "collectionId": record.collection_id, "collectionName": record.collection_name,
             "created": record.created, "updated": record.updated, layout.VERSION: record.version,
             layout.DATA: record.data}
    return image if len(json.dumps(image, default=str)) <= MAX_IMAGE_BYTES else None


def append(change: RecordChange, now: float | None = None, cursor: str | None = None) -> str:
    """Add the change to its collection's feed (under `cursor`, taken when its events went out); its cursor."""
    cursor = cursor or cursor_of(change, now)
    shard = store.shard_of(change.record, store.shard_history(change.collection)[-1])  # the record's own
    item: dict[str, Any] = {**keys.change_feed_entry(change.collection, cursor, shard), "action": change.action,
                            "rid": change.id, keys.TTL_ATTRIBUTE: int(_ms(now) / 1000) + KEEP_SECONDS}
    for name, record in (("old", change.old), ("new", change.new)):
        image = _image(record)
        if image is not None:
            item[name] = image
    table.put(item)
    return cursor


def _change(collection: str, item: dict[str, Any]) -> RecordChange:
    old, new = (store.from_items([item[n]])[0] if item.get(n) else None for n in ("old", "new"))
    if new is None and item["action"] != "delete":
        new = store.get(collection, item["rid"], consistent=False)  # its image was too large to keep
    return RecordChange(action=item["action"], collection=collection, id=item["rid"], old=old, new=new,
                        sequence="", at=0.0)


def _since(since: str, now: float | None) -> str:
    if not CURSOR.match(since):
        raise BadRequest("Invalid since cursor.", {"since": field_error("validation_invalid_value",
                                                                        "Not a cursor of the change feed.")})
    if int(since[:13]) < _ms(now) - KEEP_SECONDS * 1000:
        raise CursorExpired()
    return since


def _entries(collection_name: str, start_after: str, until: str, topic: str) -> Iterator[dict[str, Any]]:
    """The feed's entries from `start_after` to `until` in cursor order: every shard's, merged (read lazily, each
    shard a Query page at a time)."""
    partitions = keys.shard_partitions(keys.change_feed_partition(collection_name),
                                       store.shard_history(collection_name))
    chunk = MAX_SCANNED // len(partitions) + 1

    def shard(partition: str) -> Iterator[dict[str, Any]]:
        values: dict[str, Any] = {":p": partition, ":a": start_after, ":b": until}
        filter_expression = None
        if topic != "*":
            filter_expression, values[":r"] = "rid = :r", topic
        start = None
        while True:
            entries, start = table.query("#pk = :p AND #sk BETWEEN :a AND :b",
                                         names={"#pk": keys.TABLE_PK, "#sk": keys.TABLE_SK}, values=values,
                                         start_key=start, limit=chunk, consistent=True,
                                         filter_expression=filter_expression)
            yield from entries
            if start is None:
                return

    if len(partitions) == 1:
        return shard(partitions[0])
    return heapq.merge(*(shard(p) for p in partitions), key=lambda entry: entry[keys.TABLE_SK])


def read(collection_name: str, caller: access.Caller, since: str | None = None, topic: str = "*",
         filter_text: str = "", per_page: int = DEFAULT_PER_PAGE, now: float | None = None) -> dict[str, Any]:
    """The changes after `since` the caller may see, as realtime events would show them: `{"items": [{"action",
    "record", "cursor"}], "cursor", "more"}`. Without `since`: no items, and the cursor to start from."""
    collection = access.collection(collection_name)
    access.require_rule(collection, rule_name(topic), caller)
    check_filter(collection, filter_text, caller)
    until = head(now)
    if not since:
        return {"items": [], "cursor": until, "more": False}
    start_after = _since(since, now)
    if start_after >= until:  # nothing after it has settled yet
        return {"items": [], "cursor": start_after, "more": False}
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    items: list[dict[str, Any]] = []
    cursor, scanned, size = start_after, 0, 0
    more = False
    for entry in _entries(collection.name, start_after, until, topic):
        if entry[keys.TABLE_SK] <= start_after:
            continue  # BETWEEN includes the cursor itself
        if len(items) >= per_page or size >= MAX_PAGE_BYTES or scanned >= MAX_SCANNED:
            more = True
            break
        scanned += 1
        cursor = entry[keys.TABLE_SK]
        decision = decide(collection, _change(collection.name, entry), caller, topic, filter_text)
        if decision is not None:
            record = render.for_caller(collection, decision[1], caller)
            size += len(json.dumps(record, default=str))
            items.append({"action": decision[0], "record": record, "cursor": cursor})
    if not more:
        cursor = until  # read to the settled end: later changes come after it
    return {"items": items, "cursor": cursor, "more": more}
