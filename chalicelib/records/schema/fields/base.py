"""What every field type is: `FieldType`, the one protocol each `field_<type>.py` implements (PocketBase's
core/field_<type>.go in spirit), and the casts several types share. The rest of the code asks a field's type
(`fields.field_type(f)`) instead of branching on its name."""
from __future__ import annotations

import json
import math
import re
from typing import Any

from chalicelib.core.patterns import lazy
from chalicelib.records.filter import sqlvalues
from chalicelib.records.schema.model import Field

FLOAT64_EXACT_INTEGERS = 2 ** 53


class Invalid(Exception):
    """A value the field refuses: PocketBase's `validation_*` code and its message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class OptionProblem(ValueError):
    """A field option the collections file sets wrongly (the load names the collection and field)."""


class FieldType:
    """One field type. Subclasses set the class attributes and override what differs from these defaults."""

    name = ""
    options: frozenset[str] = frozenset()  # the type's own options in the collections file (besides common ones)
    modifiable = False  # takes the body's `name+`/`+name`/`name-` modifiers
    indexable = True  # may be a column of a non-unique index (a query path)
    folded = False  # stored with a lowercased copy, for case-insensitive filters (records/layout.py)
    holds_files = False
    relates = False
    multi_valued = False  # may hold a list (`maxSelect` > 1); filters' `:each` and `:length` read it
    json_paths = False  # `field.key.0` in a filter reads into its value, which may be NULL there
    content_check: str | None = None  # what WeChat's content security checks when `secCheck` is on: text or image
    markup = False  # its text is markup: content checks read what readers see of it
    automatic = False  # set by the server, never by a body: kept apart from the data fields (Collection.autodates)
    zero_indexed = False  # its zero value (0, false) is a value an index holds: every record has an index entry

    def check_options(self, options: dict[str, Any]) -> None:
        """The type's options as the collections file sets them; OptionProblem says what is wrong."""

    def zero(self, f: Field) -> Any:
        """The value of an unset field, as PocketBase answers it."""
        return [] if f.multiple else ""

    def prepare(self, f: Field, value: Any) -> Any:
        """A submitted value cast to what the field stores (PocketBase's PrepareValue); Invalid for garbage."""
        return as_text(value)

    def blank(self, value: Any) -> bool:
        """Blank for `required` (PocketBase: the zero value)."""
        return value is None or value is False or value == 0 or value in ("", [], {})

    def validate(self, f: Field, value: Any) -> None:
        """The type's own constraints on a prepared value (PocketBase's ValidateValue past `required`)."""

    def modified(self, f: Field, current: Any, modifier: str, value: Any) -> Any:
        """The value after one body modifier (`append`, `prepend`, `subtract`); only for `modifiable` types."""
        raise NotImplementedError(self.name)

    def json_schema(self, f: Field, answer: bool) -> dict[str, Any]:
        """The value's JSON Schema for the OpenAPI document; `answer` allows the zero value answers carry."""
        return {"type": "string"}

    def admin_options(self, f: Field) -> dict[str, Any]:
        """Options the PocketBase dashboard and SDK expect on the field even when the file left them out."""
        return {}

    def sql_value(self, multiple: bool, raw: Any) -> sqlvalues.SqlValue:
        """A stored value as PocketBase's SQLite column holds it, which filters compare: TEXT ('' by default), a
        multi-valued field as its JSON text (`["a","b"]`)."""
        if multiple:
            return sqlvalues.json_text(list(raw) if isinstance(raw, list) else ([raw] if raw else []))
        if raw is None:
            return ""
        if isinstance(raw, list):  # a single-valued field holding a list (written before its maxSelect changed)
            return raw[-1] if raw else ""
        return raw if isinstance(raw, str) else sqlvalues.json_scalar(raw)

    def affinity(self, multiple: bool) -> str | None:
        """The column's SQLite affinity (a multi-valued field's JSON column is NUMERIC)."""
        return sqlvalues.NUMERIC if multiple else sqlvalues.TEXT

    def same_kind(self, value: Any) -> bool:
        """Is a filter literal of the kind the field stores, so that `field = literal` holds exactly the records
        whose stored value is the literal (an index partition)?"""
        return isinstance(value, str)

    def exact_in_dynamodb(self, value: Any, equality: bool) -> bool:
        """Does DynamoDB compare the field with this literal exactly as SQLite does (`equality`: `=` or `!=`, else
        an order)? Text compares byte-wise in both; NULL is '' for `=` and `!=` only."""
        return self.same_kind(value) or (value is None and equality)


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else repr(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise Invalid("validation_invalid_value", "Must be a string.")


_NUMBER_TEXT = lazy(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def as_number(value: Any) -> int | float:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, str):
        if not _NUMBER_TEXT.match(value):  # Go's ParseFloat takes no padding or digit separators (Python's does)
            raise Invalid("validation_invalid_number", "Must be a valid number.")
        value = float(value)
    if not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
        raise Invalid("validation_invalid_number", "Must be a valid number.")
    number = float(value)  # PocketBase's float64: integers beyond 2^53 round like any double
    return int(value) if number.is_integer() and abs(number) < FLOAT64_EXACT_INTEGERS else number


def as_list(value: Any) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    return [value]


def strings(value: Any) -> list[str]:
    """A select/relation/file value as unique non-empty strings (PocketBase's list.ToUniqueStringSlice, which also
    reads a JSON array sent as a string: '["a","b"]')."""
    if isinstance(value, str) and value.startswith("["):
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            parsed = None
        value = parsed if isinstance(parsed, list) else value
    values = as_list(value)
    if not all(isinstance(v, str) for v in values):
        raise Invalid("validation_invalid_value", "Must be a string or a list of strings.")
    return list(dict.fromkeys(v for v in values if v))


def check_number(options: dict[str, Any], key: str, integer: bool = False, minimum: float | None = None) -> None:
    value = options.get(key)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not float(value).is_integer()):
        raise OptionProblem(f"{key} must be a {'whole ' if integer else ''}number.")
    if minimum is not None and value < minimum:
        raise OptionProblem(f"{key} must be at least {minimum}.")


def check_strings(options: dict[str, Any], key: str, what: str) -> None:
    value = options.get(key)
    if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise OptionProblem(f"{key} must be a list of {what}.")


def check_domain(f: Field, domain: str, code: str) -> None:
    """An email's or url's domain against the field's `onlyDomains` and `exceptDomains`."""
    domain = domain.lower()
    only, exclude = f.opt("onlyDomains") or [], f.opt("exceptDomains") or []
    if only and domain not in [d.lower() for d in only]:
        raise Invalid(code, "The domain is not allowed.")
    if domain in [d.lower() for d in exclude]:
        raise Invalid(code, "The domain is not allowed.")


class DomainLimited(FieldType):
    """email and url: a value whose domain the field may limit (`onlyDomains`, `exceptDomains`; check_domain)."""

    options = frozenset({"exceptDomains", "onlyDomains"})
    folded = True

    def check_options(self, options: dict[str, Any]) -> None:
        for key in ("exceptDomains", "onlyDomains"):
            check_strings(options, key, "domains")


class ListType(FieldType):
    """select, relation and file: one string, or a list of them up to `maxSelect`; modifiers append, prepend and
    remove."""

    modifiable = True
    multi_valued = True
    too_many = "validation_too_many_values"

    def prepare(self, f: Field, value: Any) -> Any:
        values = strings(value)
        return values if f.multiple else (values[-1] if values else "")  # a single value keeps the last one

    def validate(self, f: Field, value: Any) -> None:
        values = value if isinstance(value, list) else ([value] if value else [])
        max_select = f.opt("maxSelect", 1) or 1
        if len(values) > max_select:
            raise Invalid(self.too_many, f"Select no more than {max_select}.")
        self.validate_items(f, values)

    def validate_items(self, f: Field, values: list[str]) -> None:
        """The type's checks on each value."""

    def modified(self, f: Field, current: Any, modifier: str, value: Any) -> Any:
        existing = current if isinstance(current, list) else ([current] if current else [])
        given = strings(value)
        if modifier == "append":
            merged = list(existing) + given
        elif modifier == "prepend":
            merged = given + list(existing)
        else:
            merged = [v for v in existing if v not in given]
        return self.prepare(f, merged)

    def item_schema(self, f: Field) -> dict[str, Any]:
        return {"type": "string"}

    def json_schema(self, f: Field, answer: bool) -> dict[str, Any]:
        item = self.item_schema(f)
        if f.multiple:
            return {"type": "array", "items": item, "maxItems": f.opt("maxSelect")}
        if answer:
            return {"anyOf": [item, EMPTY]}
        return item

    def admin_options(self, f: Field) -> dict[str, Any]:
        return {"maxSelect": 1}


EMPTY = {"type": "string", "maxLength": 0}  # the zero value of a string-valued field in an answer
DATETIME = "YYYY-MM-DD HH:MM:SS.sssZ"
RECORD_ID = {"type": "string", "pattern": "^[a-z0-9]{15}$"}
