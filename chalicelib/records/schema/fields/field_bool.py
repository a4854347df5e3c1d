"""bool: true or false (PocketBase also takes 0/1 and their strings)."""
from __future__ import annotations

from typing import Any

from chalicelib.records.filter import sqlvalues
from chalicelib.records.schema.fields.base import FieldType, Invalid
from chalicelib.records.schema.model import Field

# Go's strconv.ParseBool, which PocketBase's cast (and its query parameters) use
GO_BOOLS = {**dict.fromkeys(("1", "t", "T", "true", "True", "TRUE"), True),
            **dict.fromkeys(("0", "f", "F", "false", "False", "FALSE"), False)}


class Bool(FieldType):
    name = "bool"
    zero_indexed = True

    def zero(self, f: Field) -> Any:
        return False

    def prepare(self, f: Field, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if value in (None, "", 0):
            return False
        if value == 1:
            return True
        if isinstance(value, str) and value in GO_BOOLS:
            return GO_BOOLS[value]
        raise Invalid("validation_invalid_value", "Must be a boolean.")

    def json_schema(self, f: Field, answer: bool) -> dict[str, Any]:
        return {"type": "boolean"}

    def sql_value(self, multiple: bool, raw: Any) -> sqlvalues.SqlValue:
        return 1 if raw else 0

    def affinity(self, multiple: bool) -> str | None:
        return sqlvalues.NUMERIC

    def same_kind(self, value: Any) -> bool:
        return isinstance(value, bool)

    def exact_in_dynamodb(self, value: Any, equality: bool) -> bool:
        return self.same_kind(value) and equality  # DynamoDB doesn't order booleans


TYPE = Bool()
