"""number: PocketBase's float64, optionally whole (`onlyInt`) and bounded (`min`, `max`); `n+`/`n-` add and
subtract."""
from __future__ import annotations

import math
from typing import Any

from chalicelib.core import json_input
from chalicelib.records.filter import sqlvalues
from chalicelib.records.schema.fields.base import FieldType, Invalid, as_number, check_number
from chalicelib.records.schema.model import Field


class Number(FieldType):
    name = "number"
    options = frozenset({"min", "max", "onlyInt"})
    modifiable = True
    zero_indexed = True

    def check_options(self, options: dict[str, Any]) -> None:
        for key in ("min", "max"):
            check_number(options, key)

    def zero(self, f: Field) -> Any:
        return 0

    def prepare(self, f: Field, value: Any) -> Any:
        return as_number(value)

    def validate(self, f: Field, value: Any) -> None:
        if not math.isfinite(value):
            raise Invalid("validation_not_a_number", "The submitted number is not properly formatted.")
        if not json_input.storable_number(value):
            raise Invalid("validation_number_out_of_range", "Must be 0 or between 1e-130 and 1e126 in size.")
        if f.opt("onlyInt") and not float(value).is_integer():
            raise Invalid("validation_only_int_constraint", "Decimal numbers are not allowed.")
        if f.opt("min") is not None and value < f.opt("min"):
            raise Invalid("validation_min_number_constraint", f"Must be greater or equal than {f.opt('min')}.")
        if f.opt("max") is not None and value > f.opt("max"):
            raise Invalid("validation_max_number_constraint", f"Must be less or equal than {f.opt('max')}.")

    def modified(self, f: Field, current: Any, modifier: str, value: Any) -> Any:
        delta = as_number(value)
        return as_number(current) + (delta if modifier == "append" else -delta if modifier == "subtract" else 0)

    def json_schema(self, f: Field, answer: bool) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer" if f.opt("onlyInt") else "number"}
        for option, key in (("min", "minimum"), ("max", "maximum")):
            if f.opt(option) not in (None, "", 0) and not (answer and key == "minimum"):
                schema[key] = f.opt(option)
        return schema

    def sql_value(self, multiple: bool, raw: Any) -> sqlvalues.SqlValue:
        return raw if isinstance(raw, (int, float)) and not isinstance(raw, bool) else 0

    def affinity(self, multiple: bool) -> str | None:
        return sqlvalues.NUMERIC

    def same_kind(self, value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    def exact_in_dynamodb(self, value: Any, equality: bool) -> bool:
        return self.same_kind(value) and json_input.storable_number(value)  # DynamoDB can't even hold 1e300


TYPE = Number()
