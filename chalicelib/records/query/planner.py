"""The query planner: which access path serves a list query, and what is left to filter. Pure: no I/O.

Access paths (all Query, never Scan):
- `id = "…"` in the filter: one GetItem.
- equality on every field of a declared index (PocketBase `indexes`, and each single relation to users):
  gsi<slot>, partition = those values, ordered by the index's autodate (`(status, created)` serves
  `status = "x"` with `sort=-created` in order; `(status, updated)` the same with `sort=-updated`).
- an index of only an autodate column other than created/updated (`(edited)`): the collection in that order.
- otherwise the whole collection: the table itself (by id = creation order, consistent reads), gsi1 (by created)
  or gsi2 (by updated).
What the path does not cover is the residual: evaluated in Python on every item read (filter/evaluate.py, PocketBase's
semantics), and where DynamoDB answers part of it exactly, that part is also the Query's FilterExpression
(filter/dynamodb.py). A sort no path provides is done in memory. Both are bounded by MAX_SCANNED items read (paging.py);
past it a query is a 400 naming the index to add. Comparisons on fields whose value the AND already fixes are decided
first, so `owner = "x" && (status = "published" || owner = @request.auth.id)` is served by the owner index alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from chalicelib.core.errors import BadRequest, field_error
from chalicelib.records import store
from chalicelib.records.filter import bind, dynamodb
from chalicelib.records.filter.dynamodb import Builder
from chalicelib.records.filter.tree import FALSE, TRUE, Compare, FieldRef, Literal, Node, Op, all_of, conjuncts
from chalicelib.records.schema.collections import get_schema
from chalicelib.records.schema.fields import TYPES, always_set, field_type
from chalicelib.records.schema.model import Collection, Index
from chalicelib.store import keys

MAX_SCANNED = 2000
MAX_SORT_EXPRESSIONS = 8  # PocketBase's limit
ORDER_SLOTS = {"created": keys.RECORDS_BY_CREATED, "updated": keys.RECORDS_BY_UPDATED}
RANDOM = FieldRef("@random")

Sort = list[tuple[FieldRef, bool]]  # (field, descending); RANDOM for @random


class Walk(NamedTuple):
    """A sort an index covers, read by walking the index's directory of values (query/walk.py): `path.fields`
    after the first len(prefix) (those fixed by equalities) are the sort's leading fields, all in one direction."""

    path: Index
    prefix: tuple[Any, ...]  # the values of the leading fields the filter fixes
    forward: bool  # the values' direction
    within_forward: bool  # the direction of the records of one value (the index's order, then id)


@dataclass
class Plan:
    collection: Collection
    index: str | None = None  # None = the table
    slot: int | None = None
    key_condition: str = ""
    filter: str | None = None  # the FilterExpression (the pushed part of the residual)
    builder: Builder = field(default_factory=Builder)
    forward: bool = True
    get_id: str | None = None
    residual: Node = TRUE  # evaluated in Python on every item read
    exact: bool = True  # DynamoDB answers the whole residual (a Select=COUNT can count it)
    memory_sort: Sort | None = None
    counter_scope: str | None = None  # None = no counter covers this query
    empty: bool = False
    shape: dict[str, Any] = field(default_factory=dict)
    partitions: tuple[str, ...] = ()  # a sharded collection: the path's partition in every shard (paging merges them)
    walk: Walk | None = None  # a sort an index's directory covers (query/walk.py reads it)

    @property
    def path_attributes(self) -> tuple[str, str]:
        """The (partition, sort) attributes of this path's key."""
        return (keys.TABLE_PK, keys.TABLE_SK) if self.slot is None else keys.gsi_attributes(self.slot)

    @property
    def key_attributes(self) -> tuple[str, ...]:
        """The attributes of a LastEvaluatedKey on this path."""
        if self.slot is None:
            return (keys.TABLE_PK, keys.TABLE_SK)
        return (keys.TABLE_PK, keys.TABLE_SK, *keys.gsi_attributes(self.slot))


def parse_sort(collection: Collection, text: str | None, ctx: bind.Context | None = None) -> Sort:
    """PocketBase's `sort`: comma-separated fields (relation and json paths, `@random`, `@rowid`), `-` for
    descending; an empty item is a 400, as PocketBase answers."""
    order: Sort = []
    if not text:
        return order
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            raise _sort_error("an empty sort field.")
        desc = part.startswith("-")
        name = part.lstrip("+-")
        if name == "@random":
            order.append((RANDOM, desc))
            continue
        try:
            ref = bind.sort_field(get_schema(), collection, "id" if name == "@rowid" else name,
                                  ctx or bind.Context())
        except BadRequest as exc:
            raise _sort_error(exc.message.removeprefix("Invalid sort: ")) from None
        order.append((ref, desc))
    if len(order) > MAX_SORT_EXPRESSIONS:
        raise _sort_error(f"at most {MAX_SORT_EXPRESSIONS} fields.")
    return order


def _sort_error(message: str) -> BadRequest:
    return BadRequest(f"Invalid sort: {message}", {"sort": field_error("validation_invalid_value", message)})


def equality(term: Node) -> tuple[str, Any] | None:
    """(field, value) when the term is `field = literal` on a plain single-valued field with a non-blank literal of
    the field's own type: exactly the records whose stored value is that value (what an index partition holds)."""
    if not (isinstance(term, Compare) and term.op == Op.EQ and isinstance(term.left, FieldRef)
            and isinstance(term.right, Literal) and term.left.plain and not term.left.multiple
            and not term.left.visible_email):
        return None
    value = term.right.value
    if TYPES[term.left.field_type].same_kind(value) and value != "":
        return term.left.name, value
    return None


def _order_field(sort: Sort) -> str | None:
    """The field a single-field sort on a plain field orders by (an access path may provide that order)."""
    if len(sort) == 1 and sort[0][0].plain and sort[0][0] is not RANDOM:
        return sort[0][0].name
    return None


def plan(collection: Collection, node: Node, sort: Sort) -> Plan:
    p = Plan(collection=collection)
    if node == FALSE:
        p.empty = True
        return p
    terms = conjuncts(node)
    equalities: dict[str, tuple[Any, Node]] = {}
    for term in terms:
        eq = equality(term)
        if eq and eq[0] not in equalities:
            equalities[eq[0]] = (eq[1], term)
    known = {name: value for name, (value, _) in equalities.items()}
    chosen = [term for _, term in equalities.values()]
    terms = [t if any(t is c for c in chosen) else bind.assume(t, known) for t in terms]
    if FALSE in terms:
        p.empty = True
        return p
    terms = [t for t in terms if t != TRUE]
    b = p.builder
    if "id" in equalities:
        p.get_id = str(equalities["id"][0])
        p.residual = all_of([t for t in terms if t is not equalities["id"][1]])
        p.memory_sort = sort or None
        p.shape = {"get": p.get_id}
        return p

    best = None
    order_field = _order_field(sort)
    wanted_order = order_field or "created"
    for index in collection.indexes:
        if index.fields and all(name in equalities for name in index.fields):
            rank = (len(index.fields), index.order == wanted_order)
            if best is None or rank > (len(best.fields), best.order == wanted_order):
                best = index
    used: list[Node] = []
    if best is not None:
        values = [equalities[name][0] for name in best.fields]
        used = [equalities[name][1] for name in best.fields]
        p.slot, p.index = best.slot, keys.gsi(best.slot)
        partition = store.index_partition(collection.name, best, values)
        p.key_condition = f"{b.name(keys.gsi_attributes(best.slot)[0])} = {b.value(partition)}"
        path_order = best.order
        p.counter_scope = store.index_scope(best, values)
    elif order_field and (ordered := _order_index(collection, order_field)) is not None:
        p.slot, p.index, path_order = ordered.slot, keys.gsi(ordered.slot), ordered.order
        partition = store.index_partition(collection.name, ordered, [])
        p.key_condition = f"{b.name(keys.gsi_attributes(ordered.slot)[0])} = {b.value(partition)}"
        p.counter_scope = ""
    else:
        path_order = order_field if order_field in ORDER_SLOTS else "id"
        partition = keys.collection_partition(collection.name)
        if path_order == "id":
            p.key_condition = (f"{b.name(keys.TABLE_PK)} = {b.value(partition)} AND "
                               f"begins_with({b.name(keys.TABLE_SK)}, {b.value(keys.RECORD_SK_PREFIX)})")
        else:
            p.slot = ORDER_SLOTS[path_order]
            p.index = keys.gsi(p.slot)
            p.key_condition = f"{b.name(keys.gsi_attributes(p.slot)[0])} = {b.value(partition)}"
        p.counter_scope = ""
    if collection.shard_history != (1,):
        p.partitions = tuple(keys.shard_partitions(partition, collection.shard_history))
    if not sort:
        p.forward = True
    elif order_field == path_order:
        p.forward = not sort[0][1]
    elif (walk := _walk(collection, equalities, sort)) is not None and (
            best is None or set(best.fields) <= set(walk.path.fields[:len(walk.prefix)])):
        # (an equality path the walk doesn't narrow as much reads fewer records: those are sorted in memory)
        p.walk, p.slot, p.index = walk, walk.path.slot, keys.gsi(walk.path.slot)
        p.key_condition, p.partitions = "", ()  # each value's own partitions: walk.py
        used = [equalities[name][1] for name in walk.path.fields[:len(walk.prefix)]]
        p.counter_scope = "" if not walk.prefix else None
    else:
        p.memory_sort = sort
    residual_terms = [t for t in terms if not any(t is u for u in used)]
    p.residual = all_of(residual_terms)
    pushed = dynamodb.pushdown(p.residual)
    p.exact = pushed == p.residual
    if pushed != TRUE:
        p.filter = b.compile(pushed)
    if residual_terms:
        p.counter_scope = None
    if collection.name in store.UNCOUNTED:
        p.counter_scope = None
    p.shape = {"c": collection.name, "i": p.index, "k": p.key_condition, "f": p.filter, "fw": p.forward,
               "n": b.names, "v": b.values, "s": [(repr(r), d) for r, d in sort], "r": repr(p.residual)}
    if p.partitions:  # positions differ in kind from one shard's (unsharded hashes, cursors, markers unchanged);
        p.shape["sh"] = 1  # a merged read's don't depend on the count, so they outlive its growth
    if p.walk:
        p.shape["w"] = [p.walk.path.name, repr(p.walk.prefix), p.walk.forward, p.walk.within_forward]
    return p


def _walk(collection: Collection, equalities: dict[str, tuple[Any, Node]], sort: Sort) -> Walk | None:
    """An index whose directory serves the sort: its fields past those the filter fixes by equality are the sort's
    first fields, in one direction, and what follows them in the sort (if anything) is the index's own order, then
    id, in one direction: `(n)` serves `sort=n`, `-n,created`, `n,-created,-id`; `(status, n)` serves
    `status = "x"` with `sort=-n`."""
    found: Walk | None = None
    if collection.name in store.UNCOUNTED:
        return None  # its values aren't counted, so not listed either
    for index in collection.indexes:
        if not index.directory:
            continue
        fixed = 0
        while fixed < len(index.fields) - 1 and index.fields[fixed] in equalities:
            fixed += 1
        rest = index.fields[fixed:]
        head, tail = sort[:len(rest)], sort[len(rest):]
        if len(head) < len(rest) or any(ref is RANDOM or not ref.plain or ref.name != name
                                        for (ref, _), name in zip(head, rest)):
            continue
        if len(rest) > index.directory or len({desc for _, desc in head}) != 1:
            continue
        within = head[0][1]
        if tail and tail[0][0].plain and tail[0][0].name == index.order:
            within, tail = tail[0][1], tail[1:]
        if tail and tail[0][0].plain and tail[0][0].name == "id" and tail[0][1] == within:
            tail = tail[1:]
        if not tail and (found is None or fixed > len(found.prefix)):  # the most fields fixed reads the fewest
            found = Walk(index, tuple(equalities[name][0] for name in index.fields[:fixed]), not head[0][1],
                         not within)
    return found


def _order_index(collection: Collection, name: str) -> Index | None:
    """An index that orders the whole collection by the autodate `name` (no equality fields), if any."""
    if name in ORDER_SLOTS:
        return None
    return next((i for i in collection.indexes if not i.fields and i.order == name), None)


def index_hint(p: Plan) -> str:
    """The CREATE INDEX statement that would let this query read O(perPage) items."""
    fields = []
    for term in conjuncts(p.residual):
        eq = equality(term)
        f = p.collection.field(eq[0]) if eq else None
        if f is not None and eq and field_type(f).indexable:
            fields.append(eq[0])
    name = p.collection.name
    order = p.memory_sort[0][0] if p.memory_sort and len(p.memory_sort) == 1 else None
    if fields and order is not None and order.plain and order.name in p.collection.autodates:
        fields.append(order.name)  # equality first, then the order: (status, created)
    elif order is not None and order.plain and always_set(p.collection.field(order.name)):
        # the equalities first (those the path serves too), then the sort: its value directory serves it at any size
        served = next((i.fields for i in p.collection.indexes if i.slot == p.slot), ())
        fields = [*served, *(f for f in fields if f not in served), order.name]
    if not fields:
        return (f"Narrow the filter with `=` on an indexed field of {name} (its indexes: "
                f"{', '.join(i.name for i in p.collection.indexes) or 'none'}), or use skipTotal and cursors.")
    return f"Add the index: CREATE INDEX idx_{name}_{'_'.join(fields)} ON {name} ({', '.join(fields)})."


class TooBroad(BadRequest):
    """A query that would read more than MAX_SCANNED items: a 400 naming the index to add."""

    def __init__(self, p: Plan, what: str) -> None:
        message = f"This query {what} more than {MAX_SCANNED} records of {p.collection.name}. {index_hint(p)}"
        super().__init__(message, {"filter": field_error("validation_query_not_indexed", message)})
