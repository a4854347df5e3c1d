"""What deleting a record does to the records whose relation fields point at it, as PocketBase does it
(core/record_query.go, cascadeRecordDelete/deleteRefRecords): the deleted id is removed from each referencing
relation value; a record left with no ids in a `cascadeDelete` field is deleted too (and its own references
followed); a record left with no ids in a required field refuses the whole delete (400); otherwise the reference
is cleared. Referencing records are changed whatever the rules of their collection, like PocketBase.

Planning (`plan`) is pure given a way to find references. Finding them never Scans: a relation field with an index
of its own (a declared index on exactly that field, or the implicit owner index of a single relation to users) is
one Query of that index; any other relation field (multi-valued ones can't be indexed) reads its collection with a
FilterExpression under the list bound, past which the delete is a 400 naming the index to add. At most MAX_AFFECTED
records change per delete. Index reads are eventually consistent: a reference written milliseconds earlier can be
missed.

Writes: everything fits one transaction (up to 100 actions) in the common case, committed atomically with the
record's own conditional delete. A larger cascade commits the referencing records first, deepest first, in
transactions of up to 100 actions, and the record itself last, so an interruption leaves the record in place for a
retry (the work already done was part of the delete anyway). Every action is conditional on the version read.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

from chalicelib.core import logs
from chalicelib.core.errors import BadRequest
from chalicelib.records import store
from chalicelib.records.filter.tree import Node
from chalicelib.records.query import joins
from chalicelib.records.schema.collections import get_schema
from chalicelib.records.schema.fields import field_type
from chalicelib.records.schema.model import Collection, Field
from chalicelib.records.write import file_fields

MAX_AFFECTED = 1000
MAX_ACTIONS = store.MAX_ACTIONS  # per transaction

RecordKey = tuple[str, str]  # (collection name, record id)
FindReferences = Callable[[Collection, Field, str], list[store.StoredRecord]]


@dataclass
class CascadePlan:
    deleted: dict[RecordKey, tuple[Collection, store.StoredRecord]] = field(default_factory=dict)
    cleared: dict[RecordKey, tuple[Collection, store.StoredRecord, dict[str, Any]]] = field(default_factory=dict)
    order: list[RecordKey] = field(default_factory=list)  # the order records were reached in


def references(collection: Collection) -> list[tuple[Collection, Field]]:
    """(referencing collection, relation field) pairs pointing at `collection`, in a stable order."""
    schema = get_schema()
    return [(c, f) for c in sorted(schema.collections.values(), key=lambda c: c.name)
            for f in c.fields.values() if field_type(f).relates and f.target == collection.name]


def referencing(ref: Collection, f: Field, record_id: str) -> list[store.StoredRecord]:
    """Records of `ref` whose relation `f` holds record_id: an index Query when `f` has its own index."""
    return joins.referencing(ref, f, record_id, MAX_AFFECTED)


def referencing_within(changes: store.Changes) -> FindReferences:
    """References as a transaction leaves them: a record an earlier write of the same transaction (a batch) changed
    is seen changed or gone, and one it created is found too, so the cascade continues those writes."""
    def find(ref: Collection, f: Field, record_id: str) -> list[store.StoredRecord]:
        found: dict[str, store.StoredRecord | None] = {r.id: r for r in referencing(ref, f, record_id)}
        for name, written_id in changes.written():
            if name == ref.name:
                found[written_id] = changes.get(name, written_id)
        return [r for r in found.values() if r is not None]
    return find


def plan(collection: Collection, record: store.StoredRecord, find: FindReferences = referencing) -> CascadePlan:
    """Breadth-first over references: what to delete, what to clear, and in which order they were reached."""
    result = CascadePlan()
    main_key = (collection.name, record.id)
    queue = [(collection, record)]
    while queue:
        target, target_record = queue.pop(0)
        for ref, f in references(target):
            for found in find(ref, f, target_record.id):
                key = (ref.name, found.id)
                if key == main_key or key in result.deleted:
                    continue
                data = result.cleared.get(key, (ref, found, dict(found.data)))[2]
                values = data.get(f.name) or []
                values = values if isinstance(values, list) else [values]
                if target_record.id not in values:
                    continue  # a stale index entry
                remaining = [v for v in values if v != target_record.id]
                if key not in result.cleared:
                    result.order.append(key)
                if f.opt("cascadeDelete") and not remaining:
                    result.cleared.pop(key, None)
                    result.deleted[key] = (ref, found)
                    queue.append((ref, found))
                elif f.required and not remaining:
                    raise BadRequest("Failed to delete record. Make sure that the record is not part of a required "
                                     f"relation reference ({ref.name}.{f.name} of record {found.id}).")
                else:
                    data[f.name] = remaining if f.multiple else ""
                    result.cleared[key] = (ref, found, data)
                if len(result.deleted) + len(result.cleared) > MAX_AFFECTED:
                    raise BadRequest(f"Deleting this record would change more than {MAX_AFFECTED} related "
                                     "records; delete some of them first.")
    return result


def stage(cascade: CascadePlan, collection: Collection, record: store.StoredRecord, rule: Node,
          changes: store.Changes, alone: bool = True) -> tuple[int, list[tuple[Collection, store.StoredRecord]]]:
    """Add the delete of `record` (conditional on `rule`) with what is left of its cascade to `changes`; returns
    the delete's position and the records it deletes besides `record`. For a delete `alone` in its transaction,
    earlier transactions of a large cascade are committed here, deepest records first, and their files discarded;
    beside other writes (a batch) a cascade that doesn't fit is a 400 and nothing is committed."""
    steps: list[tuple[Collection, store.StoredRecord, dict[str, Any] | None]] = []
    steps += [cascade.cleared[k] for k in reversed(cascade.order) if k in cascade.cleared]
    steps += [(*cascade.deleted[k], None) for k in reversed(cascade.order) if k in cascade.deleted]
    committed = 0
    removed: list[tuple[Collection, store.StoredRecord]] = []

    def make_room(coll: Collection, found: store.StoredRecord, after: store.StoredRecord | None) -> None:
        nonlocal committed, removed
        if not len(changes) or len(changes) + changes.cost(coll, found, after) <= MAX_ACTIONS:
            return
        if not alone:
            raise BadRequest(f"Deleting record {record.id} changes too many related records for one transaction "
                             f"of {MAX_ACTIONS} writes; delete it on its own.")
        changes.commit()
        discard_files(removed)
        changes.reset()
        committed, removed = committed + 1, []

    for coll, found, data in steps:
        after = None if data is None else replace(found, data=data)
        make_room(coll, found, after)
        if data is None:
            changes.delete(coll, found)
            removed.append((coll, found))
        else:
            changes.update(coll, found, data)
    make_room(collection, record, None)
    position = changes.delete(collection, record, condition=rule)
    if steps:
        logs.event("record_cascade", collection=collection.name, record=record.id, deleted=len(cascade.deleted),
                   cleared=len(cascade.cleared), transactions=committed + 1)
    return position, removed


def discard_files(records: list[tuple[Collection, store.StoredRecord]]) -> None:
    """Delete the files of records a delete removed."""
    for coll, found in records:
        file_fields.discard(coll, found.id, file_fields.all_names(coll, found.data))
