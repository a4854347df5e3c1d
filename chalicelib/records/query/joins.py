"""The records a filter's joins reach, read once per request: relation paths (`owner.name`), back-relations
(`comments_via_post.text`), `@collection` joins, and back-relation expands.

- A relation is read by id, in batches (`prefetch` reads every record a page's items point at in one BatchGetItem).
- A back-relation is the records whose relation field holds the id: one Query of that field's index when it has one
  (a declared one-field index, or the implicit owner index of a single relation to users); otherwise the referencing
  collection is read under the list bound, past which the answer is a 400 naming the index to add.
- An `@collection` join reads the whole collection under the list bound.
- For a client's filter (a hop marked `checked`), a joined record counts only if it passes its collection's list
  rule for the caller (`allowed`), as PocketBase 0.40 applies it.
At most MAX_JOINED records are read for one request.
"""
from __future__ import annotations

import json
from typing import Any

from chalicelib.core.errors import BadRequest
from chalicelib.records import store
from chalicelib.records.filter import bind, evaluate
from chalicelib.records.filter.tree import FALSE, TRUE, Hop, Node
from chalicelib.records.query import paging, planner
from chalicelib.records.schema.collections import get_schema
from chalicelib.records.schema.fields import field_type
from chalicelib.records.schema.model import Collection, Field

MAX_JOINED = 5000


class TooManyReferences(BadRequest):
    """More records reference one record than the caller's bound."""


def reference_filter(f: Field, record_id: str) -> str:
    """The filter matching records whose relation `f` holds `record_id`."""
    return f"{f.name}:each ?= {json.dumps(record_id)}" if f.multiple else f"{f.name} = {json.dumps(record_id)}"


def referencing(ref: Collection, f: Field, record_id: str, limit: int) -> list[store.StoredRecord]:
    """Records of `ref` whose relation `f` holds record_id (at most `limit`): an index Query when `f` has its own
    index, else a bounded read of `ref` (a 400 naming the index past the bound)."""
    node = bind.bind(get_schema(), ref, reference_filter(f, record_id), bind.Context(), param="rule")
    p = planner.plan(ref, node, [])
    try:
        found, more, _ = paging.read(p, None, limit + 1)
    except planner.TooBroad:
        raise BadRequest(f"This needs the {ref.name} records that reference a {f.target} record, and {ref.name} "
                         f"is too large to search without an index. {planner.index_hint(p)}") from None
    if more is not None or len(found) > limit:
        raise TooManyReferences(f"More than {limit} {ref.name} records reference one {f.target} record; narrow the "
                                "request.")
    return found


class RecordJoins:
    """Joined records for one request; `ctx` is the caller's (for the list rules of checked joins)."""

    def __init__(self, ctx: bind.Context | None = None) -> None:
        self.ctx = ctx or bind.Context()
        self._records: dict[tuple[str, str], store.StoredRecord | None] = {}
        self._back: dict[tuple[str, str, str], list[store.StoredRecord]] = {}
        self._all: dict[str, list[store.StoredRecord]] = {}
        self._rules: dict[str, Node] = {}
        self._read = 0

    def _count(self, n: int) -> None:
        self._read += n
        if self._read > MAX_JOINED:
            raise BadRequest(f"This request would read more than {MAX_JOINED} related records; narrow it.")

    def load(self, collection: str, ids: list[str]) -> None:
        """Read the records not read yet (BatchGetItem, 100 at a time)."""
        wanted = [i for i in dict.fromkeys(ids) if isinstance(i, str) and (collection, i) not in self._records]
        for start in range(0, len(wanted), 100):
            chunk = wanted[start:start + 100]
            self._count(len(chunk))
            found = {r.id: r for r in store.get_many((collection, i) for i in chunk)}
            for i in chunk:
                self._records[(collection, i)] = found.get(i)

    def loaded(self) -> list[store.StoredRecord]:
        """Every related record read so far (a write whose rule joined them checks they are unchanged)."""
        found = [r for r in self._records.values() if r is not None]
        for records in (*self._back.values(), *self._all.values()):
            found.extend(records)
        return list({(r.collection_name, r.id): r for r in found}.values())

    def prefetch(self, records: list[Any], node: Node) -> None:
        """Read in batches the records the first relation hop of each field in `node` points at."""
        for hop in {ref.path[0] for ref in evaluate.field_refs(node) if ref.path and ref.path[0].kind == "rel"}:
            ids: list[str] = []
            for record in records:
                value = record.data.get(hop.field)
                ids.extend(value if isinstance(value, list) else [value] if value else [])
            self.load(hop.collection, ids)

    def follow(self, hop: Hop, record: Any) -> list[Any]:
        if hop.kind == "rel":
            value = record.data.get(hop.field)
            ids = [v for v in (value if isinstance(value, list) else [value]) if v]
            self.load(hop.collection, ids)
            return [r for r in (self._records.get((hop.collection, i)) for i in ids) if r is not None]
        if hop.kind == "back":
            key = (hop.collection, hop.field, record.id)
            if key not in self._back:
                source = get_schema().get(hop.collection)
                assert source is not None
                found = referencing(source, source.fields[hop.field], record.id, planner.MAX_SCANNED)
                self._count(len(found))
                self._back[key] = found
            return self._back[key]
        if hop.collection not in self._all:
            target = get_schema().get(hop.collection)
            assert target is not None
            p = planner.plan(target, TRUE, [])
            found, more, _ = paging.read(p, None, planner.MAX_SCANNED + 1)
            if more is not None:
                raise planner.TooBroad(p, "joins")
            self._count(len(found))
            self._all[hop.collection] = found
        return self._all[hop.collection]

    def allowed(self, hop: Hop, record: Any) -> bool:
        """Does a joined record pass its collection's list rule for the caller?"""
        if hop.collection not in self._rules:
            target = get_schema().get(hop.collection)
            assert target is not None
            text = target.rules["listRule"]
            self._rules[hop.collection] = FALSE if text is None else (
                TRUE if text == "" else bind.bind(get_schema(), target, text, self.ctx, param="listRule"))
        rule = self._rules[hop.collection]
        return rule == TRUE or evaluate.evaluate(rule, record, self)


def back_relation(collection: Collection, name: str) -> tuple[Collection, Field] | None:
    """`comments_via_post` → (comments, its post field) when that relation points at `collection`."""
    source_name, sep, field_name = name.partition("_via_")
    source = get_schema().get(source_name) if sep else None
    f = source.fields.get(field_name) if source is not None else None
    if source is None or f is None or not field_type(f).relates or f.target != collection.name:
        return None
    return source, f

