"""relation: ids of records of another collection (`collectionId`), `minSelect` to `maxSelect` of them; with
`cascadeDelete`, deleting the last related record deletes this one (records/write/cascade.py)."""
from __future__ import annotations

from typing import Any

from chalicelib.records.schema.fields.base import RECORD_ID, Invalid, ListType
from chalicelib.records.schema.model import Field


class Relation(ListType):
    name = "relation"
    options = frozenset({"collectionId", "cascadeDelete", "minSelect", "maxSelect"})
    relates = True

    def validate(self, f: Field, value: Any) -> None:
        values = value if isinstance(value, list) else ([value] if value else [])
        if values and len(values) < (f.opt("minSelect") or 0):
            raise Invalid("validation_not_enough_values", f"Select at least {f.opt('minSelect')}.")
        super().validate(f, value)

    def item_schema(self, f: Field) -> dict[str, Any]:
        return {**RECORD_ID, "description": f"id of a {f.target} record"}


TYPE = Relation()
