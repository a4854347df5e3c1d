"""The record item: the only module that writes records, their index attributes, lowercased copies and counters.

Every record write in wxbase (the records API, logins, phone binding, merges, cascades) goes through `Changes`,
which turns record changes into DynamoDB actions: a create is a put that requires a new key; an update and a delete
are conditional on the record's version (`v`) and on an optional rule; counters move with the records they count.
Changing how a record is laid out in the table (layout.py) is a change to this module alone.

Derived attributes, written with every record:
- gsi1 (by created) and gsi2 (by updated) entries in the collection's partition;
- one gsi3..6 entry per declared index whose fields are all set (equality on their values, ordered by the index's
  autodate: created unless the index ends with another one, e.g. `(status, updated)`);
- `lc`: lowercased copies of text values, for PocketBase's case-insensitive `~`.
Counters (`keys.record_counter`): one per collection and one per index value, kept in the same transaction as the
creates and deletes (and updates that move a record between index values), so list totals cost one GetItem.
Write shards (`"wxbase": {"writeShards": N}`): a record, its index entries and its counters' changes go to the
partitions of its shard (`keys.shard_of`), so N partition keys share a hot collection's writes; a total is the sum of
the shards' counters, and records/query/paging.py merges the shards' ordered reads. A count that grew
(`[1, 4, 16]`) leaves records where they were written: a record read remembers its partition, and its update or
delete writes there, with its index entries and counter changes in that same shard; a view asks for the candidate
keys of every count in one BatchGetItem. records/shard_map.py keeps a file that forgot a count from hiding records.
Review queue entries (`keys.review_entry`): a record whose data carries the content-security flag (layout.REVIEW_FLAG)
has one, written and removed in the same transaction as the record, so moderators list flagged records in one Query.
Unique markers (`keys.unique_marker`): one item per UNIQUE index and value a record holds, naming the record, put
with the record on create ("must not exist": a taken value fails the transaction, so of concurrent writers of one
value exactly one wins), moved on an update that changes the value, and deleted with the record, in the same
transaction. Each costs one more write per unique index whose value a write sets or changes.
"""
from __future__ import annotations

import hashlib
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Iterable, Iterator, NamedTuple

from chalicelib.core import clock, ids
from chalicelib.core.errors import BadRequest, field_error
from chalicelib.records import layout, shard_map, value_order
from chalicelib.records.filter import dynamodb, sqlvalues
from chalicelib.records.filter.dynamodb import Builder
from chalicelib.records.filter.tree import TRUE, Node
from chalicelib.records.schema.collections import get_schema
from chalicelib.records.schema.fields import field_type, zero
from chalicelib.store import keys, table

if TYPE_CHECKING:
    from chalicelib.records.schema.model import Collection
    from chalicelib.records.schema.model import Index, UniqueIndex

MAX_INDEX_VALUE_LENGTH = 400
MAX_ACTIONS = 100  # DynamoDB's TransactWriteItems limit
MAX_ITEM_BYTES = 400 * 1024  # DynamoDB's item size limit: attribute names and values together
CONFLICT_RETRIES = 6  # a transaction cancelled by another one in flight on the same item is sent again
UNCOUNTED = ("users",)  # users were created by logins before counters existed; their totals are counted
_DERIVED = {a for slot in keys.GSI_SLOTS for a in keys.gsi_attributes(slot)} | {layout.LOWERCASED}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")  # SQLite's NOCASE


@dataclass
class StoredRecord:
    """One record as stored: system values, field values and server-only values."""

    collection_id: str
    collection_name: str
    id: str
    data: dict[str, Any]
    created: str = ""
    updated: str = ""
    version: int = 1
    private: dict[str, Any] = field(default_factory=dict)  # `_tokenKey`, `_phone`: never rendered
    derived: dict[str, Any] = field(default_factory=dict, repr=False)  # index attributes as stored
    partition: str = ""  # the table partition it was read from (its shard); "" for a record not stored yet

    def value(self, name: str) -> Any:
        """A system value (`id`, `created`, …) or a field value."""
        if name == "id":
            return self.id
        if name == "collectionId":
            return self.collection_id
        if name == "collectionName":
            return self.collection_name
        if name in ("created", "updated"):
            return getattr(self, name)
        return self.data.get(name)


def _from_item(item: dict[str, Any]) -> StoredRecord:
    return StoredRecord(
        collection_id=item.get("collectionId", ""), collection_name=item.get("collectionName", ""), id=item["id"],
        data=dict(item.get(layout.DATA) or {}), created=item.get("created", ""), updated=item.get("updated", ""),
        version=int(item.get(layout.VERSION, 1)),
        private={k: v for k, v in item.items() if k.startswith(layout.PRIVATE_PREFIX)},
        derived={k: v for k, v in item.items() if k in _DERIVED}, partition=str(item.get(keys.TABLE_PK, "")))


def shard_history(collection_name: str) -> tuple[int, ...]:
    """The write-shard counts a collection has had, the newest last ((1,) for one not in the schema)."""
    collection = get_schema().get(collection_name)
    return collection.shard_history if collection is not None else (1,)


def shard_of(record: StoredRecord, shards: int) -> int | None:
    """The shard a record is in: the one it was read from, or for a record not stored yet the one of its
    collection's newest count (`shards`)."""
    return keys.shard_in(record.partition) if record.partition else keys.shard_of(record.id, shards)


def _key(collection: Collection, record: StoredRecord) -> keys.Key:
    return keys.record_in(record.collection_name, record.id, shard_of(record, collection.write_shards))


def _size(value: Any) -> int:
    """DynamoDB's size of a value: UTF-8 text, numbers at their largest (21 bytes), 3 bytes per list or map plus
    one per element (and a map's key names)."""
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, dict):
        return 3 + sum(_size(k) + _size(v) + 1 for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return 3 + sum(_size(v) + 1 for v in value)
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    return 1 if value is None or isinstance(value, bool) else 21


def _check_size(item: dict[str, Any], record: StoredRecord) -> None:
    """A record whose item (its values, their lowercased copies and index attributes) DynamoDB can't store is a
    400 naming its largest field, before anything is sent."""
    if sum(_size(name) + _size(value) for name, value in item.items()) <= MAX_ITEM_BYTES:
        return
    largest = max(record.data, key=lambda name: _size(record.data[name]), default="id")
    raise BadRequest(f"The record is too large to store (at most {MAX_ITEM_BYTES // 1024} KB with its index "
                     "copies, DynamoDB's item limit).", {largest: field_error(
                         "validation_record_size_limit", "The record is too large to store: shorten this value.")})


def _to_item(collection: Collection, record: StoredRecord) -> dict[str, Any]:
    return {**_key(collection, record), "id": record.id,
            "collectionId": record.collection_id, "collectionName": record.collection_name,
            layout.VERSION: record.version, "created": record.created, "updated": record.updated,
            layout.DATA: dict(record.data), **record.private, **derived_attributes(collection, record)}


# --- reading --------------------------------------------------------------------------------------------------------

def get(collection_name: str, record_id: str, consistent: bool = True) -> StoredRecord | None:
    """One record: one GetItem, or after its collection's count grew one BatchGetItem of its candidate keys."""
    if not ids.is_valid_id(record_id):
        return None
    candidates = keys.record_candidates(collection_name, record_id, shard_history(collection_name))
    if len(candidates) == 1:
        item = table.get(candidates[0], consistent=consistent)
        return _from_item(item) if item else None
    found = table.batch_get(candidates, consistent=consistent)
    return _from_item(found[0]) if found else None


def get_many(refs: Iterable[tuple[str, str]], consistent: bool = False) -> list[StoredRecord]:
    """The records that exist among (collection name, id) pairs (duplicates are read once): one BatchGetItem per
    100 candidate keys (one key a record unless its collection's count grew)."""
    unique = list(dict.fromkeys((c, i) for c, i in refs if ids.is_valid_id(i)))
    candidates = [k for c, i in unique for k in keys.record_candidates(c, i, shard_history(c))]
    return [_from_item(item) for start in range(0, len(candidates), 100)
            for item in table.batch_get(candidates[start:start + 100], consistent=consistent)]


def from_items(items: Iterable[dict[str, Any]]) -> list[StoredRecord]:
    """Records from items a Query returned (records/query/paging.py reads pages of them) or a stream image carried."""
    return [_from_item(item) for item in items]


def all_of(collection_name: str, page: int = 200) -> Iterator[list[StoredRecord]]:
    """Every record of a collection, a Query page at a time (exports, backfills); shard after shard."""
    for partition in keys.shard_partitions(keys.collection_partition(collection_name), shard_history(collection_name)):
        start = None
        while True:
            items, start = table.query(
                "#pk = :pk AND begins_with(#sk, :r)", names={"#pk": keys.TABLE_PK, "#sk": keys.TABLE_SK},
                values={":pk": partition, ":r": keys.RECORD_SK_PREFIX},
                limit=page, start_key=start, consistent=True)
            yield from_items(items)
            if start is None:
                break


def review_queue(limit: int = 100, start: dict | None = None) -> tuple[list[dict[str, Any]], dict | None]:
    """Entries of records flagged for review ({collectionName, recordId, flags, flaggedAt}), in key order."""
    return table.query("#pk = :pk", names={"#pk": keys.TABLE_PK}, values={":pk": keys.REVIEW_QUEUE}, limit=limit,
                       start_key=start, consistent=True)


def count(collection_name: str, scope: str = "") -> int:
    """A counter's value; in a sharded collection the sum of its shards' counters (one BatchGetItem)."""
    shards = keys.history_shards(shard_history(collection_name))
    if shards == [None]:
        counter = table.get(keys.record_counter(collection_name, scope), consistent=False)
        return max(0, int((counter or {}).get("n", 0)))
    found = table.batch_get([keys.record_counter(collection_name, scope, k) for k in shards])
    return max(0, sum(int(item.get("n", 0)) for item in found))


# --- derived attributes ------------------------------------------------------------------------------------------

def encode_index_values(values: list[Any]) -> str:
    """The equality part of an index partition key: canonical JSON, hashed when long."""
    canonical = [int(v) if isinstance(v, float) and v.is_integer() else v for v in values]
    text = json.dumps(canonical, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    if len(text) > MAX_INDEX_VALUE_LENGTH:
        return "h:" + hashlib.sha256(text.encode()).hexdigest()
    return text


def index_values(index: Index, data: dict[str, Any]) -> list[Any] | None:
    """The values a record holds for an index, or None when one is blank (the index is sparse)."""
    values = [data.get(name) for name in index.fields]
    if any(v in (None, "", []) for v in values):
        return None
    return values


def index_scope(index: Index, values: list[Any]) -> str:
    """The counter scope of one index value."""
    return f"{index.name}#{encode_index_values(values)}"


def index_partition(collection_name: str, index: Index, values: list[Any], shard: int | None = None) -> str:
    return keys.index_partition(collection_name, index.name, encode_index_values(values), shard)


def order_stamp(record: StoredRecord, name: str) -> str:
    """The value an index orders its entries by: an autodate (a blank custom one sorts first, as in SQLite)."""
    value = record.value(name)
    return value if isinstance(value, str) else ""


def derived_attributes(collection: Collection, record: StoredRecord) -> dict[str, Any]:
    name, record_id = record.collection_name, record.id
    shard = shard_of(record, collection.write_shards)
    attrs: dict[str, Any] = {**keys.gsi_entry(keys.RECORDS_BY_CREATED, keys.collection_partition(name, shard),
                              keys.record_order(record.created, record_id)),
             **keys.gsi_entry(keys.RECORDS_BY_UPDATED, keys.collection_partition(name, shard),
                              keys.record_order(record.updated, record_id))}
    for index in collection.indexes:
        values = index_values(index, record.data)
        if values is not None:
            attrs.update(keys.gsi_entry(index.slot, index_partition(name, index, values, shard),
                                        keys.record_order(order_stamp(record, index.order), record_id)))
    attrs[layout.LOWERCASED] = {n: sqlvalues.ascii_lower(record.data[n]) for n, f in collection.fields.items()
                                if field_type(f).folded and isinstance(record.data.get(n), str) and record.data[n]}
    return attrs


def counter_scopes(collection: Collection, record: StoredRecord) -> list[str]:
    """The counters a record counts in: the collection's and one per index value it holds."""
    if collection.name in UNCOUNTED:
        return []
    scopes = [""]
    for index in collection.indexes:
        values = index_values(index, record.data)
        if values is not None and index.fields:  # an index that only orders counts what the collection's counter does
            scopes.append(index_scope(index, values))
    return scopes


class DirectoryEntry(NamedTuple):
    """What a value counter of a directory index lists (keys.index_directory): the values, under their order key."""

    path: Index
    order_key: str
    values: list[Any]


DIRECTORY_VALUES = "dv"  # the values a directory entry stands for (its counter's scope may be their hash)


def directory_entries(collection: Collection, record: StoredRecord) -> dict[str, DirectoryEntry]:
    """The directory entries of the value counters a record counts in, by counter scope."""
    entries = {}
    for index in collection.indexes:
        values = index_values(index, record.data) if index.directory else None  # only if listed in order
        if values is not None:
            fields = [collection.fields[name] for name in index.fields]
            key = value_order.encode([field_type(f).sql_value(False, v) for f, v in zip(fields, values)])
            entries[index_scope(index, values)] = DirectoryEntry(index, key, values)
    return entries


def counted_scopes(collection: Collection, record: StoredRecord) -> list[str]:
    """The counters a stored record counts in: the collection's, and those of the index entries it holds. An entry
    and its counter's change are written in one transaction, so the entries say which counters count the record,
    whatever the collections file said when it was written (an index added since: not yet counted)."""
    if not record.derived:  # not read from the table: as its values say
        return counter_scopes(collection, record)
    if collection.name in UNCOUNTED:
        return []
    scopes = [""]
    for slot in keys.RECORD_INDEX_SLOTS:
        scope = keys.index_scope_of(collection.name, record.derived.get(keys.gsi_attributes(slot)[0]))
        if scope is not None and not scope.endswith("#[]"):  # an index that only orders counts nothing of its own
            scopes.append(scope)
    return scopes


def unique_values(collection: Collection, index: UniqueIndex, record: StoredRecord) -> list[Any] | None:
    """The values a record claims in a UNIQUE index, compared as SQLite does (a missing value is the field's zero
    value, NOCASE folds ASCII letters); None when a column the index exempts (WHERE col != '') is blank."""
    values = []
    for name in index.columns:
        value = record.value(name)
        f = collection.field(name)
        if value is None and f is not None and not field_type(f).automatic:
            value = zero(f)
        if name in index.skip_blank and value in (None, ""):
            return None
        if name in index.nocase and isinstance(value, str):
            value = value.translate(_ASCII_LOWER)
        values.append(value)
    return values


def unique_marker(collection: Collection, index: UniqueIndex, record: StoredRecord) -> dict[str, str] | None:
    """The key of the marker a record holds for one UNIQUE index (None: it claims no value)."""
    values = unique_values(collection, index, record)
    return None if values is None else keys.unique_marker(collection.name, index.name, encode_index_values(values))


def unique_holder(collection: Collection, index: UniqueIndex, record: StoredRecord) -> str | None:
    """The id of the record holding `record`'s value of a UNIQUE index, from its marker (None: nobody)."""
    key = unique_marker(collection, index, record)
    item = table.get(key, consistent=True) if key else None
    return str(item["recordId"]) if item else None


def claim_unique(collection: Collection, record: StoredRecord) -> list[str]:
    """Write the markers of an already stored record (a UNIQUE index added to existing data): for each index, the
    marker is put unless another record holds the value. Returns the names of the indexes where one did."""
    taken = []
    for index in collection.unique:
        key = unique_marker(collection, index, record)
        if key is None:
            continue
        try:
            table.put(_marker_item(key, index, record), condition="attribute_not_exists(pk) OR recordId = :r",
                      values={":r": record.id})
        except table.ConditionFailed:
            taken.append(index.name)
    return taken


def _marker_item(key: dict[str, str], index: UniqueIndex, record: StoredRecord) -> dict[str, Any]:
    return {**key, "recordId": record.id, "collectionName": record.collection_name, "index": index.name}


# --- writing ----------------------------------------------------------------------------------------------------------

def new(collection: Collection, data: dict[str, Any], record_id: str | None = None,
        private: dict[str, Any] | None = None) -> StoredRecord:
    """A record not stored yet (created/updated now, version 1)."""
    now = clock.pb_datetime()
    return StoredRecord(collection_id=collection.id, collection_name=collection.name, id=record_id or ids.new_id(),
                        data=dict(data), created=now, updated=now, private=dict(private or {}))


class WriteRejected(Exception):
    """A condition of the transaction failed: `positions` are the failed actions' places in `Changes.actions()`."""

    def __init__(self, positions: list[int]) -> None:
        super().__init__(f"conditions failed at {positions}")
        self.positions = positions


@dataclass
class _MarkerMove:
    """What one transaction does to one unique marker: claimed by a record, released by another, or both (a claim
    the same record gives up again leaves a check that the value was free when it was claimed)."""

    position: int
    claim: tuple[UniqueIndex, StoredRecord] | None = None
    released_by: str | None = None


@dataclass
class _RecordWrite:
    """One record's writes in one transaction, folded into the one action DynamoDB allows per item: from `base`
    (as read; None: it did not exist) to `current` (None: deleted), conditional on the first write's rule."""

    position: int
    key: keys.Key
    base: StoredRecord | None
    current: StoredRecord | None
    condition: Node


class Changes:
    """Record writes (and any other actions) committed together. Counter changes are merged per counter, and
    successive writes of one record (create then update, update then delete, …) into one action from the record as
    read to its final state, since one transaction may touch an item only once; `get` reads a record as the
    transaction leaves it."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Empty again (after a commit of part of a large change)."""
        self._actions: list[dict] = []
        self._deltas: Counter[tuple[str, str, int | None]] = Counter()  # (collection, scope, shard)
        self._directory: dict[tuple[str, str, int | None], DirectoryEntry] = {}  # counters that list their value
        self.touched: set[tuple[str, str]] = set()  # (collection, id) of the records written
        self._markers: dict[tuple[str, str], _MarkerMove] = {}
        self._claims: dict[int, UniqueIndex] = {}  # action position → the UNIQUE index it claims a value of
        self._clashes: list[int] = []  # positions claimed twice within this transaction
        self._id_checks: dict[int, int] = {}  # a check that an id is free at an older count's key → its put
        self._placing: dict[str, Collection] = {}  # collections this transaction creates records in
        self._records: dict[tuple[str, str], _RecordWrite] = {}
        self._reviews: dict[tuple[str, str], int] = {}  # review entry key → its action's position

    def __len__(self) -> int:
        """Actions this transaction will hold."""
        return len(self._actions) + sum(1 for d in self._deltas.values() if d)

    def next_position(self) -> int:
        """The position the next action added will have (WriteRejected.positions name these)."""
        return len(self._actions)

    def cost(self, collection: Collection, old: StoredRecord | None, new_record: StoredRecord | None) -> int:
        """Actions that one more record change would add (the record, its review entry, counters not yet touched)."""
        deltas = self._counter_deltas(collection, old, new_record)
        id_checks = 0 if old is not None or new_record is None else len(
            keys.record_candidates(collection.name, new_record.id, collection.shard_history)) - 1
        flagged = any(r is not None and r.data.get(layout.REVIEW_FLAG) for r in (old, new_record))
        markers = sum(1 for key in self._marker_moves(collection, old, new_record)
                      if (key[keys.TABLE_PK], key[keys.TABLE_SK]) not in self._markers)
        return 1 + id_checks + int(flagged) + sum(1 for k in deltas if not self._deltas.get(k)) + markers

    def _counter_deltas(self, collection: Collection, old: StoredRecord | None,
                        new_record: StoredRecord | None) -> Counter[tuple[str, str, int | None]]:
        deltas: Counter[tuple[str, str, int | None]] = Counter()
        before = counted_scopes(collection, old) if old else []
        after = counter_scopes(collection, new_record) if new_record else []
        written = new_record or old
        shard = shard_of(written, collection.write_shards) if written is not None else None
        for scope in before:
            if scope not in after:
                deltas[(collection.name, scope, shard)] -= 1
        for scope in after:
            if scope not in before:
                deltas[(collection.name, scope, shard)] += 1
        return deltas

    def _count(self, collection: Collection, old: StoredRecord | None, new_record: StoredRecord | None) -> None:
        """Counters, the review entry and unique markers follow the record."""
        self._move_markers(collection, old, new_record)
        deltas = self._counter_deltas(collection, old, new_record)
        self._deltas.update(deltas)
        if new_record is not None and collection.indexes:
            entries = directory_entries(collection, new_record)
            self._directory.update({key: entries[key[1]] for key, delta in deltas.items()
                                    if delta > 0 and key[1] in entries})
        written = new_record or old
        assert written is not None
        self.touched.add((written.collection_name, written.id))
        flagged_before = bool(old and old.data.get(layout.REVIEW_FLAG))
        flagged_after = bool(new_record and new_record.data.get(layout.REVIEW_FLAG))
        record = new_record or old
        assert record is not None
        key = keys.review_entry(record.collection_name, record.id)
        if new_record is not None and flagged_after:
            self._review(key, table.put_op({**key, "collectionName": new_record.collection_name,
                                            "recordId": new_record.id, "flags": new_record.data[layout.REVIEW_FLAG],
                                            "flaggedAt": new_record.updated}))
        elif flagged_before and not flagged_after:
            self._review(key, table.delete_op(key))

    def _review(self, key: dict[str, str], action: dict) -> None:
        """A review entry's action; a later write of the same record in this transaction replaces it."""
        position = self._reviews.get((key[keys.TABLE_PK], key[keys.TABLE_SK]))
        if position is None:
            self._reviews[(key[keys.TABLE_PK], key[keys.TABLE_SK])] = len(self._actions)
            self._actions.append(action)
        else:
            self._actions[position] = action

    @staticmethod
    def _marker_moves(collection: Collection, old: StoredRecord | None,
                      new_record: StoredRecord | None) -> list[dict[str, str]]:
        moved = []
        for index in collection.unique:
            before = unique_marker(collection, index, old) if old is not None else None
            after = unique_marker(collection, index, new_record) if new_record is not None else None
            if before != after:
                moved += [k for k in (before, after) if k is not None]
        return moved

    def _move_markers(self, collection: Collection, old: StoredRecord | None,
                      new_record: StoredRecord | None) -> None:
        for index in collection.unique:
            before = unique_marker(collection, index, old) if old is not None else None
            after = unique_marker(collection, index, new_record) if new_record is not None else None
            if before == after:
                continue
            if before is not None and old is not None:
                self._release(before, old.id)
            if after is not None and new_record is not None:
                self._claim(after, index, new_record)

    def _claim(self, key: dict[str, str], index: UniqueIndex, record: StoredRecord) -> None:
        move = self._markers.get((key[keys.TABLE_PK], key[keys.TABLE_SK]))
        if move is None:
            move = _MarkerMove(position=len(self._actions), claim=(index, record))
            self._markers[(key[keys.TABLE_PK], key[keys.TABLE_SK])] = move
            self._actions.append({})
        elif move.claim is not None:
            self._clashes.append(move.position)  # two records of this transaction want one value
        else:
            move.claim = (index, record)  # a value another record of this transaction gives up
        self._claims[move.position] = index
        self._write_marker(key, move)

    def _release(self, key: dict[str, str], record_id: str) -> None:
        move = self._markers.get((key[keys.TABLE_PK], key[keys.TABLE_SK]))
        if move is None:
            move = _MarkerMove(position=len(self._actions), released_by=record_id)
            self._markers[(key[keys.TABLE_PK], key[keys.TABLE_SK])] = move
            self._actions.append({})
        elif move.claim is not None and move.claim[1].id == record_id:
            move.claim = None  # claimed earlier in this transaction by the record that now gives it up
        else:
            move.released_by = record_id
        self._write_marker(key, move)

    def _write_marker(self, key: dict[str, str], move: _MarkerMove) -> None:
        """A claim must find the value free (or held by the record of this transaction that gives it up); a
        release deletes the marker whoever wrote it, so a value whose marker was never backfilled is released too."""
        if move.claim is None and move.released_by is None:
            self._actions[move.position] = table.check_op(key, "attribute_not_exists(pk)")
        elif move.claim is None:
            self._actions[move.position] = table.delete_op(key)
        elif move.released_by is None:
            self._actions[move.position] = table.put_op(_marker_item(key, *move.claim),
                                                        condition="attribute_not_exists(pk)")
        else:
            self._actions[move.position] = table.put_op(
                _marker_item(key, *move.claim), condition="attribute_not_exists(pk) OR recordId = :r",
                values={":r": move.released_by})

    def clashes(self) -> list[int]:
        """Positions of the unique values two records of this transaction both claim (it will be rejected)."""
        return list(self._clashes)

    def not_unique(self, positions: list[int]) -> list[UniqueIndex]:
        """The UNIQUE indexes whose values were taken, among the failed positions of a WriteRejected, in the
        order they were claimed (a record's in the order the collection declares them)."""
        found: dict[str, UniqueIndex] = {}
        for position in sorted(positions):
            if position in self._claims:
                found.setdefault(self._claims[position].name, self._claims[position])
        return list(found.values())

    def get(self, collection_name: str, record_id: str) -> StoredRecord | None:
        """A record as this transaction leaves it (None: deleted) when it writes it, else as stored."""
        written = self._records.get((collection_name, record_id))
        return written.current if written is not None else get(collection_name, record_id)

    def written(self) -> frozenset[tuple[str, str]]:
        """(collection, id) of the records this transaction writes, deleted ones included."""
        return frozenset(self._records)

    def present(self) -> frozenset[tuple[str, str]]:
        """(collection, id) of the records this transaction creates or keeps."""
        return frozenset(k for k, written in self._records.items() if written.current is not None)

    def position(self, collection_name: str, record_id: str) -> int:
        """The position of the record's action (WriteRejected.positions name it when its condition fails)."""
        return self._records[(collection_name, record_id)].position

    def _folds(self, record: StoredRecord, old: StoredRecord | None) -> _RecordWrite | None:
        """The earlier write of the record in this transaction that a write from `old` continues (None: none, or
        `old` was read from the table around it: that write stays a second action, which the transaction refuses)."""
        written = self._records.get((record.collection_name, record.id))
        if written is None:
            return None
        current = written.current
        if old is None or current is None:
            return written if old is None and current is None else None
        return written if current.version == old.version else None

    def _fold(self, collection: Collection, written: _RecordWrite, record: StoredRecord | None) -> int:
        """Rewrite a record's one action to go from its state as read to `record`."""
        key = written.key
        if record is not None and written.base is not None:
            record.version = max(record.version, written.base.version + 1)  # versions never go back
            record.partition = written.base.partition  # put back where it was read (its shard)
        self._count(collection, written.current, record)
        written.current = record
        item = None
        if record is not None:
            item = _to_item(collection, record)
            record.derived = {k: v for k, v in item.items() if k in _DERIVED}
        if written.base is None:  # created in this transaction: the id was free, whatever follows
            self._actions[written.position] = (
                table.check_op(key, "attribute_not_exists(pk)") if item is None
                else table.put_op(item, condition="attribute_not_exists(pk)"))
            return written.position
        b = Builder()
        condition = _version_condition(b, written.base, written.condition)
        self._actions[written.position] = (
            table.delete_op(key, condition=condition, names=b.names, values=b.values) if item is None
            else table.put_op(item, condition=condition, names=b.names, values=b.values))
        return written.position

    def create(self, collection: Collection, record: StoredRecord) -> int:
        """Put a new record (refused if the id exists, at any count's key; one deleted earlier in this transaction
        is put back). Returns the action's position."""
        item = _to_item(collection, record)
        _check_size(item, record)
        written = self._folds(record, None)
        if written is not None:
            return self._fold(collection, written, record)
        position = len(self._actions)
        self._actions.append(table.put_op(item, condition="attribute_not_exists(pk)"))
        for older in keys.record_candidates(collection.name, record.id, collection.shard_history)[1:]:
            self._id_checks[len(self._actions)] = position
            self._actions.append(table.check_op(older, "attribute_not_exists(pk)"))
        self._placing[collection.name] = collection
        self._records.setdefault((record.collection_name, record.id),
                                 _RecordWrite(position, _key(collection, record), None, record, TRUE))
        self._count(collection, None, record)
        record.derived = {k: v for k, v in item.items() if k in _DERIVED}
        return position

    def update(self, collection: Collection, old: StoredRecord, data: dict[str, Any], condition: Node = TRUE,
               private: dict[str, Any] | None = None) -> StoredRecord:
        """Replace a record's data (and optionally some private values), conditional on its version and on
        `condition` (a bound rule). Returns the record as it will be stored."""
        updated = clock.pb_datetime() if "updated" in collection.autodates else old.updated
        record = replace(old, data=dict(data), version=old.version + 1, updated=updated,
                         private={**old.private, **(private or {})})
        attributes = derived_attributes(collection, record)
        _check_size(_to_item(collection, record), record)
        written = self._folds(record, old)
        if written is not None:
            record.derived = attributes
            self._fold(collection, written, record)
            return record
        b = Builder()
        sets = [f"{b.name(layout.DATA)} = {b.value(record.data)}", f"{b.name('updated')} = {b.value(updated)}",
                f"{b.name(layout.VERSION)} = {b.value(record.version)}"]
        sets += [f"{b.name(k)} = {b.value(v)}" for k, v in (private or {}).items()]
        sets += [f"{b.name(k)} = {b.value(v)}" for k, v in attributes.items() if old.derived.get(k) != v]
        removed = [b.name(k) for k in old.derived if k not in attributes]
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removed) if removed else "")
        key = _key(collection, old)
        self._records.setdefault((old.collection_name, old.id), _RecordWrite(len(self._actions), key, old, record,
                                                                             condition))
        self._actions.append(table.update_op(key, expression,
                                             condition=_version_condition(b, old, condition),
                                             names=b.names, values=b.values))
        self._count(collection, old, record)
        record.derived = attributes
        return record

    def replace(self, collection: Collection, old: StoredRecord, record: StoredRecord) -> int:
        """Put `record` over `old` as given, created and updated included (imports), conditional on `old`'s
        version. Returns the action's position."""
        b = Builder()
        position = len(self._actions)
        record = replace(record, version=old.version + 1, private={**old.private, **record.private},
                         partition=old.partition)
        item = _to_item(collection, record)
        self._actions.append(table.put_op(item, condition=_version_condition(b, old, TRUE), names=b.names,
                                          values=b.values))
        self._count(collection, old, record)
        record.derived = {k: v for k, v in item.items() if k in _DERIVED}
        return position

    def reindex(self, collection: Collection, old: StoredRecord) -> bool:
        """Rewrite a stored record's index entries as the collections file now declares them, moving the counters
        they count in, without changing the record (its version stays: the stream reports no change). False when
        there is nothing to rewrite."""
        attributes = derived_attributes(collection, old)
        b = Builder()
        sets = [f"{b.name(k)} = {b.value(v)}" for k, v in attributes.items() if old.derived.get(k) != v]
        removed = [b.name(k) for k in old.derived if k not in attributes]
        if not sets and not removed:
            return False
        expression = ("SET " + ", ".join(sets) if sets else "") + (" REMOVE " + ", ".join(removed) if removed else "")
        self._actions.append(table.update_op(_key(collection, old), expression.strip(),
                                             condition=_version_condition(b, old, TRUE), names=b.names,
                                             values=b.values))
        self._count(collection, old, replace(old, derived=attributes))
        return True

    def delete(self, collection: Collection, record: StoredRecord, condition: Node = TRUE) -> int:
        """Delete a record, conditional on its version and on `condition`. Returns the action's position."""
        written = self._folds(record, record)
        if written is not None:
            return self._fold(collection, written, None)
        b = Builder()
        position = len(self._actions)
        key = _key(collection, record)
        self._records.setdefault((record.collection_name, record.id), _RecordWrite(position, key, record, None,
                                                                                   condition))
        self._actions.append(table.delete_op(key,
                                             condition=_version_condition(b, record, condition),
                                             names=b.names, values=b.values))
        self._count(collection, record, None)
        return position

    def unchanged(self, record: StoredRecord) -> int:
        """Fail the transaction if the record was written since it was read (a rule joined it)."""
        b = Builder()
        shard = shard_of(record, shard_history(record.collection_name)[-1])
        self._actions.append(table.check_op(keys.record_in(record.collection_name, record.id, shard),
                                            _version_condition(b, record, TRUE), names=b.names, values=b.values))
        return len(self._actions) - 1

    def require(self, collection_name: str, record_id: str) -> int:
        """Fail the transaction unless the record exists (e.g. the user an identity is attached to). After a count
        grew, the record is read first to learn which of its candidate keys it is at."""
        candidates = keys.record_candidates(collection_name, record_id, shard_history(collection_name))
        found = get(collection_name, record_id) if len(candidates) > 1 else None
        where = keys.record_in(collection_name, record_id, keys.shard_in(found.partition)) if found else candidates[0]
        self._actions.append(table.check_op(where, "attribute_exists(pk)"))
        return len(self._actions) - 1

    def add(self, action: dict) -> int:
        """Any other action of the same transaction (markers, upload tickets). Returns its position."""
        self._actions.append(action)
        return len(self._actions) - 1

    def actions(self) -> list[dict]:
        # a value counter of a directory index that gains a record also lists its value (the same attributes
        # each time: counters stored before the directory join it as they are counted again)
        counters = [_counter_update(key, delta, self._directory.get(key) if delta > 0 else None)
                    for key, delta in sorted(self._deltas.items(), key=_counter_order) if delta]
        return self._actions + counters

    def commit(self) -> None:
        """One UpdateItem when that is all there is, else one transaction. WriteRejected when a condition fails."""
        if self._clashes:
            raise WriteRejected(sorted(set(self._clashes)))
        actions = self.actions()
        if not actions:
            return
        for collection in self._placing.values():
            shard_map.placing(collection)
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                if len(actions) == 1 and "Update" in actions[0]:
                    table.apply(actions[0])
                else:
                    table.transact(actions)
                return
            except table.ConditionFailed:
                raise WriteRejected([0]) from None
            except table.TransactionFailed as exc:
                if exc.condition_failed:
                    raise WriteRejected(sorted({self._id_checks.get(i, i) for i, r in enumerate(exc.reasons)
                                            if r == "ConditionalCheckFailed"})) from None
                if "TransactionConflict" not in exc.reasons or attempt == CONFLICT_RETRIES:
                    raise
                # another transaction was writing one of these items (two writers of one unique value): once it
                # is done, the same actions either succeed or fail on their conditions
                time.sleep(random.uniform(0, 0.005 * 2 ** attempt))


def _counter_update(key: tuple[str, str, int | None], delta: int, entry: DirectoryEntry | None) -> dict:
    """ADD `delta` to a counter and, given its directory entry, list its value in the index's directory."""
    name, scope, shard = key
    expression, names = "ADD #n :d", {"#n": "n"}
    values: dict[str, Any] = {":d": delta}
    if entry is not None:
        pk, sk = keys.gsi_attributes(entry.path.slot)
        expression = "SET #dp = :dp, #ds = :ds, #dv = :dv" + (" ADD #n :d" if delta else "")
        names = {**(names if delta else {}), "#dp": pk, "#ds": sk, "#dv": DIRECTORY_VALUES}
        values = {**(values if delta else {}), ":dp": keys.index_directory(name, entry.path.name, shard),
                  ":ds": entry.order_key, ":dv": entry.values}
    return table.update_op(keys.record_counter(name, scope, shard), expression, names=names, values=values)


def list_values(collection: Collection, record: StoredRecord, listed: set[tuple[str, str, int | None]]) -> int:
    """List a stored record's index values in their directories (for records stored before a directory existed:
    schema/index_backfill.py). `listed` holds the counters listed so far; returns how many this call listed."""
    if collection.name in UNCOUNTED:
        return 0
    shard = shard_of(record, collection.write_shards)
    count = 0
    for scope, entry in directory_entries(collection, record).items():
        key = (collection.name, scope, shard)
        if key not in listed:
            listed.add(key)
            table.apply(_counter_update(key, 0, entry))
            count += 1
    return count


def _counter_order(entry: tuple[tuple[str, str, int | None], int]) -> tuple[str, str, int]:
    (name, scope, shard), _ = entry
    return name, scope, -1 if shard is None else shard


def _version_condition(b: Builder, record: StoredRecord, condition: Node) -> str:
    """The version makes the write exact (any change since the read bumped it); a rule DynamoDB can answer exactly
    is checked by the write too."""
    expression = f"{b.name(layout.VERSION)} = {b.value(record.version)}"
    rule = b.condition(condition) if dynamodb.pushable(condition) and dynamodb.fits(condition) else None
    return f"{expression} AND {rule}" if rule else expression
