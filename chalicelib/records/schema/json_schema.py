"""Each collection's record schemas (JSON Schema, for the OpenAPI document the routes assemble).

Two per collection, because answers and request bodies differ:
- the answer (`record_schema`): every key is optional (`fields=` picks any subset, a user's `email` is left out when
  hidden, `expand` adds one), and an unset value is the field's zero value as PocketBase answers it: "" for text,
  email, url, date, a single select, relation or file, 0 for a number, [] for a multiple one;
- the write (`write_schema`): the values a create or update takes in their canonical form (PocketBase also casts
  "12" to 12 and takes the `field+`/`field-` modifiers, which the schema leaves open).
"""
from __future__ import annotations

from typing import Any

from chalicelib.records.schema.collections import get_schema
from chalicelib.records.schema.fields import field_type
from chalicelib.records.schema.fields.base import RECORD_ID
from chalicelib.records.schema.model import Collection, Field

def field_schema(f: Field, answer: bool = True) -> dict[str, Any]:
    """A field's value; `answer` allows the zero values answers carry for unset fields."""
    return field_type(f).json_schema(f, answer)


def record_schema(collection: Collection) -> dict[str, Any]:
    """A record as the API answers it."""
    properties: dict[str, Any] = {
        "id": RECORD_ID,
        "collectionId": {"type": "string", "const": collection.id},
        "collectionName": {"type": "string", "const": collection.name},
        "expand": {"type": "object", "description": "related records, with `expand=`"},
    }
    for name, f in collection.fields.items():
        if not f.hidden:
            properties[name] = field_schema(f)
    for name, f in collection.autodates.items():
        properties[name] = field_schema(f)
    rules = "; ".join(f"{k}: {'admins only' if v is None else (v or 'anyone')}" for k, v in collection.rules.items())
    return {"type": "object", "title": collection.name, "description": rules, "properties": properties}


def write_schema(collection: Collection) -> dict[str, Any]:
    """A create or update body (required fields are required on create; see the module docstring)."""
    properties: dict[str, Any] = {"id": {**RECORD_ID, "description": "optional on create: chosen by the server"}}
    for name, f in collection.fields.items():
        properties[name] = field_schema(f, answer=False)
    return {"type": "object", "title": f"{collection.name} (write)", "properties": properties}


def record_schemas() -> dict[str, dict[str, Any]]:
    """Every collection's answer schema, by collection name."""
    return {c.name: record_schema(c) for c in get_schema().collections.values()}


def write_schemas() -> dict[str, dict[str, Any]]:
    return {c.name: write_schema(c) for c in get_schema().collections.values()}


def collection_names() -> list[str]:
    """Names and ids by which the records routes find a collection."""
    found: list[str] = []
    for c in get_schema().collections.values():
        found += [c.name] + ([c.id] if c.id and c.id != c.name else [])
    return found
