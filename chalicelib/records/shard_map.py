"""The write-shard counts a collection's records were written with, so that a collections file which forgets one
is refused instead of hiding the records written under it.

A collection whose count grew declares its history (`"writeShards": [1, 4, 16]`); reads look in the partitions of
every count of that history. A file that drops a count (`16` where `[1, 16]` was meant) would make the records
written under the dropped one invisible, and updates of them 404s. So the counts are recorded in one item,
`SHARDS#<collection>` (a number set): the first create of a collection in each process ADDs its newest count
(one UpdateItem per process and count, which answers the whole set), and a count in the item that the file's history
lacks makes every read and write of the collection a 503 naming the count to declare.

What it costs: a sharded collection's first request in a process reads the item (one GetItem, cached). An unsharded
collection's found records and lists never do: it learns the item from its first create's UpdateItem, which it makes
anyway, or from the first record it doesn't find (a 404 of a view, an update or a delete reads the item once per
process). So a process that only lists an unsharded collection is not stopped: its lists miss the records in shard
partitions until one of those, or a file that declares the history, fixes that.
"""
from __future__ import annotations

from chalicelib.core import logs
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.records.schema.model import Collection
from chalicelib.store import keys, table

COUNTS = "counts"

_seen: dict[str, frozenset[int]] = {}  # collection → the counts its item held when this process last read it
_recorded: set[tuple[str, int]] = set()  # (collection, count) this process has added to the item


def check(collection: Collection) -> None:
    """503 when records of the collection were written with a count its history lacks (reads the item once per
    process for a sharded collection; never for an unsharded one whose item this process hasn't seen)."""
    counts = _seen.get(collection.name)
    if counts is None:
        if collection.shard_history == (1,):
            return
        counts = _read(collection.name)
    _verify(collection, counts)


def _read(name: str) -> frozenset[int]:
    item = table.get(keys.shard_counts(name), consistent=True) or {}
    counts = _seen[name] = frozenset(int(n) for n in item.get(COUNTS, []))
    return counts


def absent(collection: Collection) -> None:
    """A record of the collection was not found: before that is answered, make sure the file doesn't hide it (reads
    the item once per process for an unsharded collection too)."""
    if collection.name not in _seen:
        _read(collection.name)
    check(collection)


def placing(collection: Collection) -> None:
    """Before a create is written: the collection's newest count is in its item (added once per process), and no
    count there is missing from its history."""
    if collection.name in _seen:
        _verify(collection, _seen[collection.name])  # before adding a count to an item it disagrees with
    if (collection.name, collection.write_shards) in _recorded:
        return
    item = table.update(keys.shard_counts(collection.name), "ADD #c :n", names={"#c": COUNTS},
                        values={":n": {collection.write_shards}}) or {}
    _seen[collection.name] = frozenset(int(n) for n in item.get(COUNTS, []))
    _recorded.add((collection.name, collection.write_shards))
    _verify(collection, _seen[collection.name])


def _verify(collection: Collection, counts: frozenset[int]) -> None:
    missing = sorted(counts - set(collection.shard_history))
    if not missing:
        return
    logs.event("records.shard_history_missing", collection=collection.name, missing=missing)
    wanted = sorted(counts | set(collection.shard_history))
    chain = all(b % a == 0 for a, b in zip(wanted, wanted[1:]))
    declare = (f'declare "wxbase": {{"writeShards": {wanted}}}' if chain else "declare every count it has had, "
               f"oldest first, each a multiple of the one before ({missing} among them)")
    raise ServiceUnavailable(
        f"Collection {collection.name}: records were written with {', '.join(map(str, missing))} write shard(s), "
        f"which the collections file no longer declares, so they would be missed; {declare}.")
