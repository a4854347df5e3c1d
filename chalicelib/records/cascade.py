"""What deleting a record does to the records whose relation fields point at it, as PocketBase does it
(core/record_query.go, cascadeRecordDelete/deleteRefRecords): the deleted id is removed from each referencing
relation value; a record left with no ids in a `cascadeDelete` field is deleted too (and its own references
followed); a record left with no ids in a required field refuses the whole delete (400); otherwise the reference
is cleared. Referencing records are changed whatever the rules of their collection, like PocketBase.

Finding references never Scans: a relation field with an index of its own (a declared index on exactly that field,
or the implicit owner index of a single relation to users) is one Query of that index; any other relation field
(multi-valued ones can't be indexed) reads its collection with a FilterExpression under the list bound
(query.MAX_SCANNED items read), past which the delete is a 400 naming the index to add. At most MAX_AFFECTED records
change per delete. Index reads are eventually consistent: a reference written milliseconds earlier can be missed.

Writes: everything fits one transaction (up to 100 actions) in the common case, committed atomically with the
record's own conditional delete. A larger cascade commits the referencing records first, deepest first, in
transactions of up to 100 actions, and the record itself last, so an interruption leaves the record in place for a
retry (the work already done was part of the delete anyway). Every action is conditional on the version read.
"""
import json

from chalicelib.core import clock, logs
from chalicelib.core.errors import BadRequest
from chalicelib.records import file_fields, filter_eval, items, query
from chalicelib.records.collections import get_schema
from chalicelib.records.filter_ddb import Builder
from chalicelib.store import keys, table

MAX_AFFECTED = 1000
MAX_ACTIONS = 100  # DynamoDB's TransactWriteItems limit


def references(collection):
    """(referencing collection, relation field) pairs pointing at `collection`, in a stable order."""
    schema = get_schema()
    return [(c, f) for c in sorted(schema.collections.values(), key=lambda c: c.name)
            for f in c.fields.values() if f.type == "relation" and f.target == collection.name]


def delete_actions(collection, item, record_delete):
    """(the transaction that deletes `item` via its `record_delete` action with its cascade, the records that
    transaction deletes besides `item`). Larger cascades commit their earlier parts before returning the last one
    (and discard those records' files at once)."""
    deleted, updated, order = _plan(collection, item)
    if not deleted and not updated:
        return [record_delete] + _counter_actions({_counter_key(collection, item, s): -1
                                                   for s in _scopes(collection, item)}), []
    changes = [("update", *updated[k]) for k in reversed(order) if k in updated]
    changes += [("delete", *deleted[k], None) for k in reversed(order) if k in deleted]
    changes.append(("main", collection, item, None))
    batches, batch, counters, gone = [], [], {}, []
    for kind, coll, it, data in changes:
        actions, deltas = _change(kind, coll, it, data, record_delete)
        merged = dict(counters)
        for key, delta in deltas.items():
            merged[key] = merged.get(key, 0) + delta
        if batch and len(batch) + len(actions) + len(merged) > MAX_ACTIONS:
            batches.append((batch + _counter_actions(counters), gone))
            batch, merged, gone = [], dict(deltas), []
        batch += actions
        counters = merged
        if kind == "delete":
            gone.append((coll, it))
    logs.event("record_cascade", collection=collection.name, record=item["id"], deleted=len(deleted),
               cleared=len(updated), transactions=len(batches) + 1)
    for earlier, removed in batches:
        table.transact(earlier)
        discard_files(removed)
    return batch + _counter_actions(counters), gone


def discard_files(records):
    """Delete the files of records a cascade removed."""
    for coll, it in records:
        file_fields.discard(coll, it["id"], file_fields.all_names(coll, it.get("data", {})))


def _plan(collection, item):
    """Breadth-first over references: ({key: (collection, item)} to delete, {key: (collection, item, data)} to
    clear, visiting order)."""
    deleted, updated, order = {}, {}, []
    main_key = (collection.name, item["id"])
    queue = [(collection, item)]
    while queue:
        target, target_item = queue.pop(0)
        for ref, f in references(target):
            for found in _referencing(ref, f, target_item["id"]):
                key = (ref.name, found["id"])
                if key == main_key or key in deleted:
                    continue
                base = updated.get(key, (ref, found, dict(found.get("data", {}))))
                data = base[2]
                values = data.get(f.name) or []
                values = values if isinstance(values, list) else [values]
                if target_item["id"] not in values:
                    continue  # a stale index entry
                remaining = [v for v in values if v != target_item["id"]]
                if key not in updated:
                    order.append(key)
                if f.opt("cascadeDelete") and not remaining:
                    updated.pop(key, None)
                    deleted[key] = (ref, found)
                    queue.append((ref, found))
                elif f.required and not remaining:
                    raise BadRequest("Failed to delete record. Make sure that the record is not part of a required "
                                     f"relation reference ({ref.name}.{f.name} of record {found['id']}).")
                else:
                    data[f.name] = remaining if f.multiple else ""
                    updated[key] = (ref, found, data)
                if len(deleted) + len(updated) > MAX_AFFECTED:
                    raise BadRequest(f"Deleting this record would change more than {MAX_AFFECTED} related records; "
                                     "delete some of them first.")
    return deleted, updated, order


def _referencing(ref, f, record_id):
    """Records of `ref` whose relation `f` holds record_id: an index Query when `f` has its own index."""
    node = filter_eval.bind(get_schema(), ref, f"{f.name} ?= {json.dumps(record_id)}", filter_eval.Context())
    plan = query.plan(ref, node, [])
    try:
        found, more, _ = query.read(plan, None, MAX_AFFECTED + 1)
    except query.TooBroad:
        raise BadRequest(f"Deleting this record needs the {ref.name} records that reference it, and {ref.name} is "
                         f"too large to search without an index. {query.index_hint(plan)}") from None
    if more is not None:
        raise BadRequest(f"Deleting this record would change more than {MAX_AFFECTED} related records; delete some "
                         "of them first.")
    return found


def _scopes(collection, item):
    from chalicelib.records.service import _counter_scopes  # the one definition of what a record counts in

    return _counter_scopes(collection, item)


def _counter_key(collection, item, scope):
    return (collection.name, scope)


def _counter_actions(counters):
    return [table.update_op(keys.record_counter(name, scope), "ADD #n :d", names={"#n": "n"}, values={":d": delta})
            for (name, scope), delta in sorted(counters.items()) if delta]


def _change(kind, collection, item, data, record_delete):
    """(transaction actions, counter deltas) of one change."""
    if kind == "main":
        return [record_delete], {_counter_key(collection, item, s): -1 for s in _scopes(collection, item)}
    b = Builder()
    condition = f"{b.name('v')} = {b.value(item.get('v', 1))}"
    key = keys.record(collection.name, item["id"])
    if kind == "delete":
        action = table.delete_op(key, condition=condition, names=b.names, values=b.values)
        return [action], {_counter_key(collection, item, s): -1 for s in _scopes(collection, item)}
    new = dict(item, data=data, v=item.get("v", 1) + 1)
    if "updated" in collection.autodates:
        new["updated"] = clock.pb_datetime()
    index_names = [k for k in item if k[:1] == "g" and k[-2:] in ("pk", "sk") and k[1:-2].isdigit()]
    for name in index_names:
        del new[name]
    attributes = items.index_attributes(collection, new)
    sets = [f"{b.name('data')} = {b.value(data)}", f"{b.name('v')} = {b.value(new['v'])}",
            f"{b.name('updated')} = {b.value(new.get('updated', ''))}"]
    sets += [f"{b.name(k)} = {b.value(v)}" for k, v in attributes.items() if item.get(k) != v]
    removed = [b.name(k) for k in index_names if k not in attributes]
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removed) if removed else "")
    action = table.update_op(key, expression, condition=condition, names=b.names, values=b.values)
    new.update(attributes)
    old_scopes, new_scopes = _scopes(collection, item), _scopes(collection, new)
    deltas = {_counter_key(collection, item, s): -1 for s in old_scopes if s not in new_scopes}
    deltas.update({_counter_key(collection, item, s): 1 for s in new_scopes if s not in old_scopes})
    return [action], deltas
