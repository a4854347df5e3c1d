"""A stored record as the API shows it: system fields, field values (zero values filled in), PocketBase's `expand`
and `fields` query parameters. Server-only values never leave here."""
from __future__ import annotations

import re
from typing import Any

from chalicelib.core.errors import BadRequest, Forbidden
from chalicelib.records import access, store
from chalicelib.records.layout import REVIEW_FLAG
from chalicelib.records.collections import Collection, get_schema
from chalicelib.records.fields import zero

MAX_EXPAND_DEPTH = 6
MAX_EXPAND_PATHS = 10
MAX_EXPANDED = 100  # related records read per relation field and request

Record = dict[str, Any]


class _Self:
    """render()'s default viewer: the record's own user (login, auth-refresh)."""


SELF = _Self()


def render(record: store.StoredRecord, collection: Collection | None = None,
           viewer_id: str | None | _Self = SELF, is_admin: bool = False) -> Record:
    """Hidden fields are shown to admins only. In auth collections, `email` is shown to the user, to admins or when
    `emailVisibility` is on (PocketBase's rule), and `phone` (bound through WeChat's phone flow, not a schema field,
    so the records API can't write it) to the user and admins only. `viewer_id` is None for guests."""
    collection = collection or get_schema().get(record.collection_name)
    data = record.data
    out: Record = {"id": record.id, "collectionId": record.collection_id, "collectionName": record.collection_name}
    if collection is None:
        out.update(created=record.created, updated=record.updated)
        out.update({k: v for k, v in data.items() if not k.startswith("@")})
        return out
    for name, f in collection.fields.items():
        if f.hidden and not is_admin:
            continue
        out[name] = data.get(name, zero(f))
    for name in collection.autodates:
        out[name] = record.value(name) if name in ("created", "updated") else data.get(name, "")
    if is_admin and data.get(REVIEW_FLAG):
        out[REVIEW_FLAG] = data[REVIEW_FLAG]
    if collection.is_auth:
        is_self = viewer_id is SELF or viewer_id == record.id
        if "email" in out and not (is_admin or is_self or data.get("emailVisibility")):
            out["email"] = ""
        if data.get("phone") and (is_admin or is_self):
            out["phone"] = data["phone"]
    return out


def for_caller(collection: Collection, record: store.StoredRecord, caller: access.Caller) -> Record:
    return render(record, collection, viewer_id=caller.user_id, is_admin=caller.is_admin)


def expand(collection: Collection, records: list[Record], stored: list[store.StoredRecord], paths: Any,
           caller: access.Caller) -> None:
    """PocketBase's `expand`: relation paths (`post`, `post.owner`), only to records the caller may view."""
    if not paths:
        return
    wanted = [p.strip() for p in str(paths).split(",") if p.strip()]
    if len(wanted) > MAX_EXPAND_PATHS:
        raise BadRequest("Too many expand paths.")
    tree: dict[str, dict] = {}
    for path in wanted:
        parts = path.split(".")
        if len(parts) > MAX_EXPAND_DEPTH:
            raise BadRequest(f"Expand paths are at most {MAX_EXPAND_DEPTH} levels deep.")
        node = tree
        for part in parts:
            node = node.setdefault(part, {})
    _expand_tree(collection, records, stored, tree, caller)


def _ids(value: Any) -> list[str]:
    return list(value) if isinstance(value, list) else ([value] if value else [])


def _expand_tree(collection: Collection, records: list[Record], stored: list[store.StoredRecord],
                 tree: dict[str, dict], caller: access.Caller) -> None:
    schema = get_schema()
    for name, subtree in tree.items():
        f = collection.fields.get(name)
        target = schema.get(f.target) if f is not None and f.type == "relation" else None
        if target is None:
            continue  # PocketBase ignores what it can't expand
        wanted = list(dict.fromkeys(i for record in stored for i in _ids(record.data.get(name))))[:MAX_EXPANDED]
        if not wanted:
            continue
        try:
            view = access.rule(target, "viewRule", caller, caller.context())
        except Forbidden:
            continue
        targets = [r for r in store.get_many((target.name, i) for i in wanted) if access.allows(view, r)]
        rendered = {r.id: for_caller(target, r, caller) for r in targets}
        if subtree:
            _expand_tree(target, [rendered[r.id] for r in targets], targets, subtree, caller)
        for out, record in zip(records, stored):
            value = record.data.get(name)
            if isinstance(value, list):
                linked = [rendered[v] for v in value if v in rendered]
                if linked:
                    out.setdefault("expand", {})[name] = linked
            elif value in rendered:
                out.setdefault("expand", {})[name] = rendered[value]


_EXCERPT = re.compile(r"^(\w+):excerpt\((\d+)(?:,\s*(true|false))?\)$")


def pick(record: Record, fields: Any) -> Record:
    """PocketBase's `fields`: a comma list of names, `*`, `expand.<path>` and `name:excerpt(max,ellipsis)`."""
    if not fields:
        return record
    out: Record = {}
    for spec in (f.strip() for f in str(fields).split(",") if f.strip()):
        excerpt = _EXCERPT.match(spec)
        if spec == "*":
            out.update({k: v for k, v in record.items() if k != "expand"})
        elif spec == "expand" or spec.startswith("expand."):
            if "expand" in record:
                out["expand"] = record["expand"]
        elif excerpt:
            name, size, ellipsis = excerpt.groups()
            if isinstance(record.get(name), str):
                text = re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", record[name])).strip()
                cut = text[:int(size)]
                out[name] = cut + ("..." if ellipsis == "true" and len(text) > len(cut) else "")
        elif spec in record:
            out[spec] = record[spec]
    return out
