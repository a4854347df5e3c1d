"""Each collection's record schema (JSON Schema, for the OpenAPI document the routes assemble)."""
from __future__ import annotations

from typing import Any

from chalicelib.records.collections import Collection, Field, get_schema

_TYPES: dict[str, dict[str, Any]] = {
    "text": {"type": "string"}, "editor": {"type": "string"}, "email": {"type": "string", "format": "email"},
    "url": {"type": "string", "format": "uri"}, "date": {"type": "string", "description": "YYYY-MM-DD HH:MM:SS.sssZ"},
    "autodate": {"type": "string", "readOnly": True, "description": "YYYY-MM-DD HH:MM:SS.sssZ"},
    "number": {"type": "number"}, "bool": {"type": "boolean"}, "json": {},
}


def field_schema(f: Field) -> dict[str, Any]:
    if f.type in _TYPES:
        schema = dict(_TYPES[f.type])
        if f.type == "number" and f.opt("onlyInt"):
            schema["type"] = "integer"
        for option, key in (("min", "minimum" if f.type == "number" else "minLength"),
                            ("max", "maximum" if f.type == "number" else "maxLength"), ("pattern", "pattern")):
            if f.type in ("text", "number") and f.opt(option) not in (None, "", 0):
                schema[key] = f.opt(option)
        return schema
    item: dict[str, Any] = {"type": "string"}
    if f.type == "select":
        item["enum"] = list(f.opt("values"))
    elif f.type == "relation":
        item.update(pattern="^[a-z0-9]{15}$", description=f"id of a {f.target} record")
    if f.multiple:
        return {"type": "array", "items": item, "maxItems": f.opt("maxSelect")}
    return item


def record_schema(collection: Collection) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "id": {"type": "string", "pattern": "^[a-z0-9]{15}$"},
        "collectionId": {"type": "string", "const": collection.id},
        "collectionName": {"type": "string", "const": collection.name},
    }
    for name, f in collection.fields.items():
        if not f.hidden:
            properties[name] = field_schema(f)
    for name, f in collection.autodates.items():
        properties[name] = field_schema(f)
    required = ["id", "collectionId", "collectionName"] + [n for n, f in collection.fields.items() if f.required]
    rules = "; ".join(f"{k}: {'admins only' if v is None else (v or 'anyone')}" for k, v in collection.rules.items())
    return {"type": "object", "title": collection.name, "description": rules, "properties": properties,
            "required": required}


def record_schemas() -> dict[str, dict[str, Any]]:
    """Every collection's record schema, by collection name."""
    return {c.name: record_schema(c) for c in get_schema().collections.values()}
