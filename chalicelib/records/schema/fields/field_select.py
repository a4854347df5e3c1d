"""select: one of `values`, or up to `maxSelect` of them."""
from __future__ import annotations

from typing import Any

from chalicelib.records.schema.fields.base import Invalid, ListType
from chalicelib.records.schema.model import Field


class Select(ListType):
    name = "select"
    options = frozenset({"values", "maxSelect"})
    folded = True

    def validate_items(self, f: Field, values: list[str]) -> None:
        allowed = f.opt("values")
        bad = next((v for v in values if v not in allowed), None)
        if bad is not None:
            raise Invalid("validation_invalid_value", f"Invalid value {bad}.")

    def item_schema(self, f: Field) -> dict[str, Any]:
        return {"type": "string", "enum": list(f.opt("values"))}


TYPE = Select()
