"""Admin lists of plain rows (request logs, collections) filtered and sorted in process with PocketBase's filter
language, over a table of columns declared like a collection. Admins only: every column may be filtered on."""
from __future__ import annotations

from typing import Any

from chalicelib.core.errors import invalid
from chalicelib.records.filter import bind, evaluate, sqlvalues
from chalicelib.records.filter.tree import Node
from chalicelib.records.schema.collections import RULES
from chalicelib.records.schema.model import Collection, Field, Schema

ADMIN = bind.Context(admin=True)


class Row:
    """A dict as filters see a record."""

    def __init__(self, item: dict[str, Any]) -> None:
        self.item = item
        self.id = str(item.get("id", ""))
        self.data = item

    def value(self, name: str) -> Any:
        return self.item.get(name)


class Columns:
    """The columns a list's `filter` and `sort` may name: `id`, `fields` (name → field type) and the `dates`."""

    def __init__(self, name: str, fields: dict[str, str], dates: tuple[str, ...] = ("created", "updated")) -> None:
        self.collection = Collection(id=name, name=name, type="base",
                                     fields={n: Field(n, t) for n, t in fields.items()},
                                     rules={rule: None for rule in RULES},
                                     autodates={n: Field(n, "autodate") for n in dates})
        self.schema = Schema({name: self.collection}, {name: self.collection})

    def bind(self, text: str) -> Node:
        return bind.bind(self.schema, self.collection, text, ADMIN)

    def matching(self, rows: list[Row], text: str) -> list[Row]:
        node = self.bind(text)
        return [r for r in rows if evaluate.evaluate(node, r)]

    def sort(self, rows: list[Row], text: str) -> list[Row]:
        """PocketBase's `sort` (`-name,type`, `@rowid`): stable, so rows keep their order among equals."""
        parts = [p.strip() for p in text.split(",")] if text else []
        if "" in parts:
            raise invalid("sort", "validation_invalid_value", "Invalid sort: an empty sort field.")
        for part in reversed(parts):
            desc = part.startswith("-")
            name = part.lstrip("+-")
            ref = bind.sort_field(self.schema, self.collection, "id" if name == "@rowid" else name, ADMIN)
            rows.sort(key=lambda r: sqlvalues.sort_key(evaluate.sort_value(ref, r)), reverse=desc)
        return rows
