"""Field values: PocketBase's casting, validation (its `validation_*` codes) and zero defaults, per field type.

`apply(collection, body, old=None)` turns a request body into the record's new data map, or raises one 400 listing
every bad field. Like PocketBase, values are first prepared (cast where that is unambiguous: "12" → 12 for a number,
1 → "1" for text; a single select/relation keeps the last of a list; a json field parses a JSON string), modifiers
act on them (`n+`/`n-` add and subtract, `tags+`/`+tags`/`tags-` append, prepend and remove), then every field is
validated with PocketBase's error codes. Unknown keys are ignored; absent fields keep their value (update) or get
their zero value (create: "" / 0 / false / [] / null).

Each type is one module, `field_<type>.py`, implementing base.FieldType; TYPES below lists them. Everything that
depends on a field's type asks it (`field_type(f)`): values here, the OpenAPI schema, the admin API's field form,
index and content-check eligibility. docs/extending.md says how to add one.
"""
from __future__ import annotations

from typing import Any

from chalicelib.core.errors import BadRequest, field_error
from chalicelib.records.schema.fields import (field_autodate, field_bool, field_date, field_editor, field_email,
                                              field_file, field_json, field_number, field_relation, field_select,
                                              field_text, field_url)
from chalicelib.records.schema.fields.base import FieldType, Invalid
from chalicelib.records.schema.model import Collection, Field

TYPES: dict[str, FieldType] = {t.name: t for t in (
    field_text.TYPE, field_editor.TYPE, field_email.TYPE, field_url.TYPE, field_number.TYPE, field_bool.TYPE,
    field_date.TYPE, field_autodate.TYPE, field_select.TYPE, field_json.TYPE, field_file.TYPE, field_relation.TYPE,
)}


def field_type(f: Field) -> FieldType:
    return TYPES[f.type]


def always_set(f: Field | None) -> bool:
    """Does every record hold a non-blank value in this field (so an index on it holds every record)? Numbers and
    bools always have one, a required field can't be blank. (Records stored before the field was added or made
    required may lack one until they are saved again.)"""
    return f is not None and not f.multiple and (field_type(f).zero_indexed or f.required)


def zero(f: Field) -> Any:
    return field_type(f).zero(f)


def prepare(f: Field, value: Any) -> Any:
    """A submitted value cast to what the field stores (PocketBase's PrepareValue); garbage is a 400 here where
    PocketBase would store a zero value (a deliberate difference)."""
    return field_type(f).prepare(f, value)


def validate(f: Field, value: Any) -> None:
    """PocketBase's ValidateValue for one field: `required` (a zero value is blank) and the type's constraints,
    with PocketBase's error codes."""
    kind = field_type(f)
    if f.required and kind.blank(value):
        raise Invalid("validation_required", "Cannot be blank.")
    kind.validate(f, value)


def _key(key: str) -> tuple[str, str]:
    """(field name, modifier) for a body key: `n`, `n+`, `+tags`, `tags-`."""
    if key.startswith("+"):
        return key[1:], "prepend"
    if key.endswith("+"):
        return key[:-1], "append"
    if key.endswith("-"):
        return key[:-1], "subtract"
    return key, "set"


def apply(collection: Collection, body: dict[str, Any], old: dict[str, Any] | None = None,
          lenient: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """(new data map, the body with modifiers resolved) for a request body (create when old is None); one 400
    listing every bad field. Keys are applied shortest first, so a value is set before its modifiers act on it
    (PocketBase's ReplaceModifiers); unknown keys are ignored. `lenient` skips the errors (used to check a create
    rule before validation, as PocketBase does)."""
    creating = old is None
    data = dict(old or {})
    if creating:
        data.update({name: zero(f) for name, f in collection.fields.items()})
    errors: dict[str, dict[str, str]] = {}
    resolved = dict(body)
    for key in sorted(body, key=len):
        name, modifier = _key(key)
        f = collection.fields.get(name)
        if f is None or (modifier != "set" and not field_type(f).modifiable):
            continue
        try:
            value = prepare(f, body[key]) if modifier == "set" else field_type(f).modified(
                f, data.get(name, zero(f)), modifier, body[key])
        except Invalid as exc:
            errors[name] = field_error(exc.code, exc.message)
            continue
        data[name] = value
        resolved.pop(key, None)
        resolved[name] = value
    for name, f in collection.fields.items():
        if name in errors:
            continue
        data.setdefault(name, zero(f))
        try:
            validate(f, data[name])
        except Invalid as exc:
            errors[name] = field_error(exc.code, exc.message)
    if errors and not lenient:
        verb = "create" if creating else "update"
        raise BadRequest(f"Failed to {verb} record.", errors)
    return data, resolved
