"""The query planner: which access path serves a list query, and what is left to filter. Pure: no I/O.

Access paths (all Query, never Scan):
- `id = "…"` in the filter: one GetItem.
- equality on every field of a declared index (PocketBase `indexes`, and each single relation to users):
  gsi<slot>, partition = those values, ordered by created.
- otherwise the whole collection: the table itself (by id = creation order, consistent reads), gsi1 (by created)
  or gsi2 (by updated).
What the path does not cover becomes a FilterExpression (the residual); a sort no path provides is done in memory.
Both are bounded by MAX_SCANNED items read (paging.py); past it a query is a 400 naming the index to add.
Comparisons on fields whose value the AND already fixes are decided first, so
`owner = "x" && (status = "published" || owner = @request.auth.id)` is served by the owner index alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.core.errors import BadRequest, field_error
from chalicelib.records import filter_bind, store
from chalicelib.records.collections import Collection
from chalicelib.records.filter_ddb import Builder
from chalicelib.records.filter_tree import FALSE, TRUE, Compare, FieldRef, Literal, Node, Op, all_of, conjuncts
from chalicelib.store import keys

MAX_SCANNED = 2000
MAX_SORT_EXPRESSIONS = 8  # PocketBase's limit
ORDER_SLOTS = {"created": keys.RECORDS_BY_CREATED, "updated": keys.RECORDS_BY_UPDATED}

Sort = list[tuple[str, bool]]  # (field, descending)


@dataclass
class Plan:
    collection: Collection
    index: str | None = None  # None = the table
    slot: int | None = None
    key_condition: str = ""
    filter: str | None = None
    builder: Builder = field(default_factory=Builder)
    forward: bool = True
    get_id: str | None = None
    residual: Node = TRUE
    memory_sort: Sort | None = None
    counter_scope: str | None = None  # None = no counter covers this query
    empty: bool = False
    shape: dict[str, Any] = field(default_factory=dict)

    @property
    def key_attributes(self) -> tuple[str, ...]:
        """The attributes of a LastEvaluatedKey on this path."""
        if self.slot is None:
            return (keys.TABLE_PK, keys.TABLE_SK)
        return (keys.TABLE_PK, keys.TABLE_SK, *keys.gsi_attributes(self.slot))


def parse_sort(collection: Collection, text: str | None) -> Sort:
    order: Sort = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        desc = part.startswith("-")
        name = part.lstrip("+-")
        if name == "@rowid":
            name = "id"
        if name == "@random":
            raise BadRequest("Invalid sort: @random is not supported.",
                             {"sort": field_error("validation_invalid_value", "@random is not supported.")})
        f = collection.field(name)
        if not collection.has(name) or (f is not None and f.hidden):
            raise BadRequest(f"Invalid sort: unknown field {name!r}.",
                             {"sort": field_error("validation_invalid_value", f"Unknown field {name!r}.")})
        order.append((name, desc))
    if len(order) > MAX_SORT_EXPRESSIONS:
        raise BadRequest("Invalid sort: too many fields.",
                         {"sort": field_error("validation_invalid_value", f"At most {MAX_SORT_EXPRESSIONS}.")})
    return order


def equality(term: Node) -> tuple[str, Any] | None:
    """(field, value) when the term is `field = literal` (or `?=` on a single value) with a non-blank value."""
    if not (isinstance(term, Compare) and term.op == Op.EQ and isinstance(term.left, FieldRef)
            and isinstance(term.right, Literal)):
        return None
    value = term.right.value
    if term.left.modifier is not None or value in (None, "") or isinstance(value, (list, dict)):
        return None
    return term.left.name, value


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
    terms = [t if any(t is c for c in chosen) else filter_bind.assume(t, known) for t in terms]
    if FALSE in terms:
        p.empty = True
        return p
    terms = [t for t in terms if t != TRUE]
    b = p.builder
    if "id" in equalities and isinstance(equalities["id"][0], str):
        p.get_id = equalities["id"][0]
        p.residual = all_of([t for t in terms if t is not equalities["id"][1]])
        p.memory_sort = sort or None
        p.shape = {"get": p.get_id}
        return p

    best = None
    for index in collection.indexes:
        if all(name in equalities and not _multiple(collection, name) for name in index.fields):
            if best is None or len(index.fields) > len(best.fields):
                best = index
    used: list[Node] = []
    if best is not None:
        values = [equalities[name][0] for name in best.fields]
        used = [equalities[name][1] for name in best.fields]
        p.slot, p.index = best.slot, keys.gsi(best.slot)
        p.key_condition = (f"{b.name(keys.gsi_attributes(best.slot)[0])} = "
                           f"{b.value(store.index_partition(collection.name, best, values))}")
        order_field = "created"
        p.counter_scope = store.index_scope(best, values)
    else:
        order_field = sort[0][0] if len(sort) == 1 and sort[0][0] in ORDER_SLOTS else "id"
        partition = b.value(keys.collection_partition(collection.name))
        if order_field == "id":
            p.key_condition = (f"{b.name(keys.TABLE_PK)} = {partition} AND "
                               f"begins_with({b.name(keys.TABLE_SK)}, {b.value(keys.RECORD_SK_PREFIX)})")
        else:
            p.slot = ORDER_SLOTS[order_field]
            p.index = keys.gsi(p.slot)
            p.key_condition = f"{b.name(keys.gsi_attributes(p.slot)[0])} = {partition}"
        p.counter_scope = ""
    if not sort:
        p.forward = True
    elif len(sort) == 1 and sort[0][0] == order_field:
        p.forward = not sort[0][1]
    else:
        p.memory_sort = sort
    residual_terms = [t for t in terms if not any(t is u for u in used)]
    p.residual = all_of(residual_terms)
    if residual_terms:
        p.filter = b.compile(p.residual)
        p.counter_scope = None
    if collection.name in store.UNCOUNTED:
        p.counter_scope = None
    p.shape = {"c": collection.name, "i": p.index, "k": p.key_condition, "f": p.filter, "fw": p.forward,
               "n": b.names, "v": b.values, "s": sort}
    return p


def _multiple(collection: Collection, name: str) -> bool:
    f = collection.field(name)
    return bool(f and f.multiple)


def index_hint(p: Plan) -> str:
    """The CREATE INDEX statement that would let this query read O(perPage) items."""
    fields = []
    for term in conjuncts(p.residual):
        eq = equality(term)
        f = p.collection.field(eq[0]) if eq else None
        if f is not None and eq and not f.multiple and f.type not in ("json", "editor", "file"):
            fields.append(eq[0])
    name = p.collection.name
    if not fields:
        return (f"Narrow the filter with `=` on an indexed field of {name} (its indexes: "
                f"{', '.join(i.name for i in p.collection.indexes) or 'none'}), or use skipTotal and cursors.")
    return f"Add the index: CREATE INDEX idx_{name}_{'_'.join(fields)} ON {name} ({', '.join(fields)})."


class TooBroad(BadRequest):
    """A query that would read more than MAX_SCANNED items: a 400 naming the index to add."""

    def __init__(self, p: Plan, what: str) -> None:
        message = f"This query {what} more than {MAX_SCANNED} records of {p.collection.name}. {index_hint(p)}"
        super().__init__(message, {"filter": field_error("validation_query_not_indexed", message)})
