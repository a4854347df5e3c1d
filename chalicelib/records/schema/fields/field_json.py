"""json: any JSON value up to `maxSize` bytes (1 MB when unset); a plain string that reads as JSON is parsed."""
from __future__ import annotations

import json
import math
from typing import Any

from chalicelib.core import json_input
from chalicelib.records.filter import sqlvalues
from chalicelib.records.schema.fields.base import FieldType, Invalid
from chalicelib.records.schema.model import Field

MAX_JSON_DEFAULT = 1 << 20


class Json(FieldType):
    name = "json"
    options = frozenset({"maxSize"})
    indexable = False
    json_paths = True

    def zero(self, f: Field) -> Any:
        return None

    def prepare(self, f: Field, value: Any) -> Any:
        """PocketBase's normalization of a plain string: "true"/"false"/"null", numbers, arrays, objects and quoted
        strings are parsed as JSON; any other string is kept as a string."""
        if not isinstance(value, str) or value == "":
            return value
        if value in ("null", "true", "false") or (value[0] in '0123456789-"[{'):
            try:
                return json.loads(value)
            except RecursionError:
                raise Invalid("validation_invalid_json",
                              "Must be a valid json value: it is nested too deeply.") from None
            except ValueError:
                return value
        return value

    def blank(self, value: Any) -> bool:
        return value is None or value in ("", [], {})

    def validate(self, f: Field, value: Any) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            raise Invalid("validation_invalid_json", "Must be a valid json value.")
        found = json_input.problem(value, max_depth=json_input.MAX_DEPTH - 1)  # before dumps: its recursion
        if found:
            raise Invalid("validation_invalid_json", f"Must be a valid json value: {found}.")
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
        if len(text.encode()) > (f.opt("maxSize") or MAX_JSON_DEFAULT):
            raise Invalid("validation_json_size_limit", "The JSON value is too large.")

    def json_schema(self, f: Field, answer: bool) -> dict[str, Any]:
        return {}

    def sql_value(self, multiple: bool, raw: Any) -> sqlvalues.SqlValue:
        return sqlvalues.json_scalar(raw)  # read through json_extract: scalars as SQL values, the rest as JSON text

    def affinity(self, multiple: bool) -> str | None:
        return None  # json_extract's result carries none

    def same_kind(self, value: Any) -> bool:
        return False  # any JSON value: no literal stands for exactly one stored form

    def exact_in_dynamodb(self, value: Any, equality: bool) -> bool:
        return False


TYPE = Json()
