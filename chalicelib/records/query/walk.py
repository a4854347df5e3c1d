"""Sorts an index covers, at any collection size: a walk over the index's directory of values.

An index with a directory (`Index.directory`: its last fields hold a value in every record) lists each distinct
value once per shard, on the value's counter item (records/store.py): under `C#<collection>#D#<index>` in the
index's gsi, sorted as SQLite sorts the values (records/value_order.py), with the count of records holding it. A
list sorted by the index's fields (planner.Walk) reads that directory in the sort's direction, a chunk at a time,
skips values no record holds any more, and reads each value's own index partition (its records by the index's
order, then id) until the page is full. A sharded collection's directories are merged, and a value's records are
read only from the shards that count some.

Where the next page starts is the value and the position inside its partition:
`{"value": [order key, counter key], "start": {"after": sort key} | None}`, so page 40 costs what page 1 costs.
A page reads its records, one directory entry per value it shows and one Query per value (a sort by a unique
number: about 30 small Queries for a page of 30, sent 8 at a time). Totals: the collection's counter, or with equality fields the sum
of their values' counts (at most MAX_SCANNED values, as every count here is bounded).
"""
from __future__ import annotations

import heapq
import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Iterator, NamedTuple

from chalicelib.core.errors import BadRequest, field_error
from chalicelib.records import store, value_order
from chalicelib.records.filter import evaluate
from chalicelib.records.filter.tree import TRUE
from chalicelib.records.query import paging
from chalicelib.records.query.planner import MAX_SCANNED, Plan, TooBroad, Walk
from chalicelib.store import keys, table

CHUNK = 100  # directory entries per Query (most pages show fewer values)
PARALLEL = 8  # values whose records are read at once
_LAST = "\U0010ffff"  # sorts after every order key that starts with a given prefix


class _Entry(NamedTuple):
    order_key: str
    counter: str  # the counter item's sort key: tells apart values whose order keys were cut to the same bytes
    values: list[Any]
    records: int
    shard: int | None


class _Value(NamedTuple):
    position: tuple[str, str]
    values: list[Any]
    records: int
    shards: tuple[int | None, ...]


class _Reads:
    """Items read by one walk, against its bound."""

    def __init__(self, p: Plan, budget: int) -> None:
        self.plan, self.budget, self.count = p, budget, 0

    def add(self, n: int) -> None:
        self.count += n
        if self.count > self.budget:
            raise TooBroad(self.plan, "reads")


def read(p: Plan, start_key: dict | None, want: int, budget: int = MAX_SCANNED, source: Any = table,
         joins: evaluate.Joins | None = None) -> tuple[list[store.StoredRecord], dict | None, int]:
    """paging.read for a walk: up to `want` matching records from start_key, the next start key, items read.
    Values whose counts don't fill the page yet are read together (up to PARALLEL at once when no filter is left
    to check in Python), so a page of unique values waits for a few round trips, not one per value."""
    walk = _walk_of(p)
    at, inside = _position(start_key)
    reads = _Reads(p, budget)
    found: list[store.StoredRecord] = []
    values = _values(p, walk, at, source, reads, want)
    together = PARALLEL if p.residual == TRUE else 1  # a filter's joins are read by one thread
    batch: list[_Value] = []
    for value in itertools.chain(values, [None]):
        if value is not None:
            batch.append(value)
            if len(batch) < together and sum(v.records for v in batch) < want - len(found):
                continue
        if not batch:
            break
        room = want - len(found)
        starts = [inside if v.position == at else None for v in batch]
        results = _read_values(p, walk, batch, starts, room, max(0, budget - reads.count), source, joins)
        for v, (records, following, n) in zip(batch, results):
            reads.add(n)
            if len(found) + len(records) < want:
                found.extend(records)
                continue
            taken = records[:want - len(found)]
            found.extend(taken)
            if len(taken) < len(records):  # the page ends inside this value
                return found, {"value": list(v.position), "start": {"after": _sort_key(walk, taken[-1])}}, reads.count
            if following is not None:
                return found, {"value": list(v.position), "start": following}, reads.count
            after = _next(batch, v, values)
            return found, (None if after is None else {"value": list(after.position), "start": None}), reads.count
        batch = []
    return found, None, reads.count


def _read_values(p: Plan, walk: Walk, batch: list[_Value], starts: list[dict | None], room: int, budget: int,
                 source: Any, joins: evaluate.Joins | None) -> list[tuple[list[store.StoredRecord], Any, int]]:
    """Up to `room` records of each value, in the batch's order (read at once when there are several)."""
    def one(i: int) -> tuple[list[store.StoredRecord], Any, int]:
        return paging.read(_value_plan(p, walk, batch[i]), starts[i], room, budget, source, joins)

    if len(batch) == 1:
        return [one(0)]
    with ThreadPoolExecutor(max_workers=len(batch)) as pool:
        return list(pool.map(one, range(len(batch))))


def _next(batch: list[_Value], value: _Value, values: Iterator[_Value]) -> _Value | None:
    """The value after `value`: later in its batch, else the walk's next one."""
    later = batch[batch.index(value) + 1:]
    return later[0] if later else next(values, None)


def _sort_key(walk: Walk, record: store.StoredRecord) -> str:
    """The record's sort key in its value's index partition (where a read of that value resumes)."""
    return keys.record_order(store.order_stamp(record, walk.path.order), record.id)


def total(p: Plan, source: Any = table, joins: evaluate.Joins | None = None) -> int:
    """The records a walk lists: the collection's counter, the counts of the values under the equality fields, or
    (with a filter left to check) the matches of a bounded read."""
    walk = _walk_of(p)
    if p.counter_scope is not None:
        return store.count(p.collection.name, p.counter_scope)
    if p.residual == TRUE:
        reads = _Reads(p, MAX_SCANNED)
        return sum(value.records for value in _values(p, walk, None, source, reads, CHUNK))
    found, more, _ = read(p, None, MAX_SCANNED + 1, source=source, joins=joins)
    if more is not None or len(found) > MAX_SCANNED:
        raise TooBroad(p, "would count")
    return len(found)


def _walk_of(p: Plan) -> Walk:
    assert p.walk is not None, "a walk reads only plans with one"
    return p.walk


def _position(start_key: dict | None) -> tuple[tuple[str, str] | None, dict | None]:
    if start_key is None:
        return None, None
    value = start_key.get("value") if isinstance(start_key, dict) else None
    inside = start_key.get("start") if isinstance(start_key, dict) else None
    if (not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, str) for v in value)
            or not (inside is None or (isinstance(inside, dict) and isinstance(inside.get("after"), str)))):
        raise BadRequest("Invalid cursor: pass the nextCursor of the same query.",
                         {"cursor": field_error("validation_invalid_cursor", "Invalid or tampered cursor.")})
    return (value[0], value[1]), inside


def _value_plan(p: Plan, walk: Walk, value: _Value) -> Plan:
    """The read of one value's records: its index partition in each shard that counts some (paging merges them)."""
    partitions = tuple(store.index_partition(p.collection.name, walk.path, value.values, shard)
                       for shard in value.shards)
    return replace(p, walk=None, partitions=partitions, forward=walk.within_forward)


def _shards(p: Plan) -> list[int | None]:
    return keys.history_shards(p.collection.shard_history)


def _values(p: Plan, walk: Walk, at: tuple[str, str] | None, source: Any, reads: _Reads,
            want: int) -> Iterator[_Value]:
    """The values some record holds, in the walk's order, from `at` (included) on; shards merged, each read in
    chunks of its share of the values a page may show."""
    shards = _shards(p)
    chunk = -(-min(CHUNK, want + 1) // len(shards)) + 1
    streams = [_in_order(_directory(p, walk, shard, at, source, reads, chunk), walk.forward) for shard in shards]
    merged = heapq.merge(*streams, key=lambda e: (e.order_key, e.counter), reverse=not walk.forward)
    for position, group in itertools.groupby(merged, key=lambda e: (e.order_key, e.counter)):
        entries = list(group)
        yield _Value(position, entries[0].values, sum(e.records for e in entries), tuple(e.shard for e in entries))


def _in_order(entries: Iterator[_Entry], forward: bool) -> Iterator[_Entry]:
    """Entries of one order key (values cut to the same bytes) by counter key too, as the merge compares them."""
    for _, run in itertools.groupby(entries, key=lambda e: e.order_key):
        yield from sorted(run, key=lambda e: e.counter, reverse=not forward)


def _directory(p: Plan, walk: Walk, shard: int | None, at: tuple[str, str] | None, source: Any,
               reads: _Reads, chunk: int) -> Iterator[_Entry]:
    """One shard's directory entries with a count, in the walk's order, from `at` on."""
    pk, sk = keys.gsi_attributes(walk.path.slot)
    names = {"#p": pk, "#n": "n"}
    values: dict[str, Any] = {":p": keys.index_directory(p.collection.name, walk.path.name, shard), ":z": 0}
    prefix = value_order.prefix(walk.prefix)
    condition = "#p = :p"
    if at is not None or prefix:
        names["#s"] = sk
    if at is None and prefix:
        condition += " AND begins_with(#s, :a)"
        values[":a"] = prefix
    elif at is not None:
        low, high = (at[0], prefix + _LAST) if walk.forward else (prefix, at[0])
        if low:
            condition += " AND #s BETWEEN :a AND :b"
            values[":a"], values[":b"] = low, high
        else:
            condition += " AND #s <= :b"
            values[":b"] = high
    start = None
    while True:
        batch, start = source.query(condition, names=names, values=values, index=keys.gsi(walk.path.slot),
                                    limit=chunk, forward=walk.forward, start_key=start, filter_expression="#n > :z")
        reads.add(chunk if start else len(batch))
        for item in batch:
            entry = _Entry(item[sk], item[keys.TABLE_SK], list(item.get(store.DIRECTORY_VALUES) or []),
                           int(item.get("n", 0)), shard)
            if at is None or _past(entry, at, walk.forward):
                yield entry
        if start is None:
            return


def _past(entry: _Entry, at: tuple[str, str], forward: bool) -> bool:
    """Is the entry at or after the walk's position?"""
    here = (entry.order_key, entry.counter)
    return here >= at if forward else here <= at
