"""autodate: a datetime the server sets on create (`onCreate`) and/or update (`onUpdate`); never written by clients."""
from __future__ import annotations

from typing import Any

from chalicelib.records.schema.fields.base import DATETIME, FieldType, OptionProblem
from chalicelib.records.schema.model import Field


class Autodate(FieldType):
    name = "autodate"
    options = frozenset({"onCreate", "onUpdate"})
    automatic = True

    def check_options(self, options: dict[str, Any]) -> None:
        if not any(options.get(k) for k in ("onCreate", "onUpdate")):
            raise OptionProblem("set onCreate and/or onUpdate.")

    def json_schema(self, f: Field, answer: bool) -> dict[str, Any]:
        return {"type": "string", "readOnly": True, "description": DATETIME}


TYPE = Autodate()
