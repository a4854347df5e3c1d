"""Collections as PocketBase shows them to superusers (`GET /api/collections[/{idOrName}]`), so the SDK's
`pb.collections` works and the console can build its lists and forms from the schema. Rendered from the loaded
schema (records/schema/collections.py), which is the one source of truth: what you see is what the API enforces."""
from __future__ import annotations

import zlib
from typing import Any

from chalicelib.admin import rows
from chalicelib.core.errors import NotFound
from chalicelib.records.query import params as list_params, render as records_render
from chalicelib.records.schema.model import Collection, Field, Schema
from chalicelib.records.schema.collections import get_schema
from chalicelib.records.schema.fields import field_type

ID_FIELD = {"autogeneratePattern": "[a-z0-9]{15}", "hidden": False, "id": "text3208210256", "max": 15, "min": 15,
            "name": "id", "pattern": "^[a-z0-9]+$", "presentable": False, "primaryKey": True, "required": True,
            "system": True, "type": "text"}
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 500  # the SDK's getFullList asks for 500 at a time
_COLUMNS = rows.Columns("_collections", {"name": "text", "type": "text", "system": "bool"})


def _field(schema: Schema, f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"id": f"{f.type}{zlib.crc32(f.name.encode())}", "name": f.name, "type": f.type,
                           "system": False, "hidden": f.hidden, "presentable": False, "required": f.required}
    out.update({k: v for k, v in f.options.items() if not k.startswith("_")})
    if field_type(f).relates:
        target = schema.get(f.target)
        out["collectionId"] = target.id if target else f.target
    for key, value in field_type(f).admin_options(f).items():
        out.setdefault(key, value)
    return out


def render(schema: Schema, collection: Collection) -> dict[str, Any]:
    fields = [dict(ID_FIELD)] + [_field(schema, f) for f in collection.fields.values()]
    fields += [_field(schema, f) for f in collection.autodates.values()]
    indexes = [f"CREATE INDEX `{i.name}` ON `{collection.name}` ({', '.join(f'`{n}`' for n in i.fields)})"
               for i in collection.indexes]
    out: dict[str, Any] = {"id": collection.id, "name": collection.name, "type": collection.type, "system": False,
                           "fields": fields, "indexes": indexes, **collection.rules, "created": "", "updated": ""}
    if collection.is_auth:
        out.update(authRule="", manageRule=None)
    return out


def list_collections(params: dict[str, str]) -> dict[str, Any]:
    """PocketBase's paged list of collections, in the collections file's order; `filter` and `sort` over `id`,
    `name`, `type`, `system`, `created` and `updated` (as PocketBase allows), `fields` on each item."""
    schema = get_schema()
    page = max(1, list_params.whole_number(params, "page", 1))
    per_page = list_params.whole_number(params, "perPage", DEFAULT_PER_PAGE)
    per_page = DEFAULT_PER_PAGE if per_page <= 0 else min(per_page, MAX_PER_PAGE)
    everything = [rows.Row(render(schema, c)) for c in schema.collections.values()]
    found = _COLUMNS.sort(_COLUMNS.matching(everything, params.get("filter") or ""), params.get("sort") or "")
    items = [records_render.pick(r.item, params.get("fields")) for r in found[(page - 1) * per_page:page * per_page]]
    total = len(found)
    skip_total = list_params.flag(params, "skipTotal")
    return {"page": page, "perPage": per_page, "totalItems": -1 if skip_total else total,
            "totalPages": -1 if skip_total else (total + per_page - 1) // per_page, "items": items}


def view_collection(id_or_name: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    schema = get_schema()
    found = schema.get(id_or_name)
    if found is None:
        raise NotFound()
    return records_render.pick(render(schema, found), (params or {}).get("fields"))
