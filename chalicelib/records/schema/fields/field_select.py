"""select: one of `values`, or up to `maxSelect` of them."""
from __future__ import annotations

from typing import Any

from chalicelib.records.schema.fields.base import Invalid, ListType, OptionProblem
from chalicelib.records.schema.model import Field


class Select(ListType):
    name = "select"
    options = frozenset({"values", "maxSelect"})
    folded = True

    def check_options(self, options: dict[str, Any]) -> None:
        values = options.get("values")
        if not (isinstance(values, list) and values and all(isinstance(v, str) and v for v in values)):
            raise OptionProblem("values must be a non-empty list of strings.")

    def validate_items(self, f: Field, values: list[str]) -> None:
        allowed = f.opt("values")
        bad = next((v for v in values if v not in allowed), None)
        if bad is not None:
            raise Invalid("validation_invalid_value", f"Invalid value {bad}.")

    def item_schema(self, f: Field) -> dict[str, Any]:
        return {"type": "string", "enum": list(f.opt("values"))}


TYPE = Select()
