"""A stored record as the API shows it: system fields, field values (zero values filled in), and PocketBase's
`expand` and `fields` query parameters, as PocketBase applies them (core/record_query_expand.go, tools/picker).
Server-only values never leave here."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from chalicelib.core.errors import BadRequest, field_error
from chalicelib.records import access, store
from chalicelib.records.layout import REVIEW_FLAG
from chalicelib.records.query import joins
from chalicelib.records.schema.collections import get_schema
from chalicelib.records.schema.fields import field_type, zero
from chalicelib.records.schema.model import Collection

MAX_EXPAND_DEPTH = 6  # PocketBase's maxNestedRels: deeper parts of a path are ignored
MAX_EXPAND_PATHS = 10
MAX_BACK_RELATED = 1000  # PocketBase's limit of back-related records expanded per record

Record = dict[str, Any]


class _Self:
    """render()'s default viewer: the record's own user (login, auth-refresh)."""


SELF = _Self()


def render(record: store.StoredRecord, collection: Collection | None = None,
           viewer_id: str | None | _Self = SELF, is_admin: bool = False) -> Record:
    """Hidden fields are shown to admins only. In auth collections, `email` is shown to the user, to admins or when
    `emailVisibility` is on, and left out otherwise (PocketBase's rule); `phone` (bound through WeChat's phone flow,
    not a schema field, so the records API can't write it) to the user and admins only. `viewer_id` is None for
    guests."""
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
            del out["email"]
        if data.get("phone") and (is_admin or is_self):
            out["phone"] = data["phone"]
    return out


def for_caller(collection: Collection, record: store.StoredRecord, caller: access.Caller) -> Record:
    return render(record, collection, viewer_id=caller.user_id, is_admin=caller.is_admin)


# --- expand -------------------------------------------------------------------------------------------------------

class _Node:
    """A record being answered: its stored form, its rendered form, and what expanding adds to it."""

    def __init__(self, stored: store.StoredRecord, out: Record) -> None:
        self.stored, self.out = stored, out
        self.expand: dict[str, Any] | None = None
        self.dynamic: dict[str, list[str]] = {}  # back-relation ids, kept like a relation field (`x_via_y`)

    def ids(self, name: str) -> list[str]:
        value = self.dynamic.get(name, self.stored.data.get(name))
        return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str) and v]


class _ExpandFailed(Exception):
    """A path that can't be expanded: PocketBase then expands nothing of that path."""


def _normalize(paths: Any) -> list[str]:
    """As PocketBase normalizes them: spaces removed, incomplete paths' dots trimmed (`owner.` → `owner`),
    deduplicated, and with paths another one contains merged (`a.b,a` → `a.b`)."""
    trimmed = (p.replace(" ", "").strip("\t\n\r\f\v").strip(".") for p in str(paths).split(","))
    wanted = [p for p in trimmed if p]
    unique = list(dict.fromkeys(wanted))
    return [p for p in unique if not any(o != p and o.startswith(p + ".") for o in unique)]


def expand(collection: Collection, records: list[Record], stored: list[store.StoredRecord], paths: Any,
           caller: access.Caller) -> None:
    """PocketBase's `expand`: relation paths (`post`, `post.owner`) and back-relations (`comments_via_post`),
    only to records the caller may view; a path that can't be expanded expands nothing."""
    if not paths:
        return
    normalized = _normalize(paths)
    if len(normalized) > MAX_EXPAND_PATHS:
        raise BadRequest("Too many expand paths.")
    nodes = [_Node(s, r) for s, r in zip(stored, records)]
    for path in normalized:
        try:
            _expand_path(collection, nodes, path.split("."), caller, 1)
        except _ExpandFailed:
            continue
    for node in nodes:
        _attach(node)


def _attach(node: _Node) -> None:
    if node.expand is None:
        return
    node.out["expand"] = {name: ([_attach_child(c) for c in value] if isinstance(value, list)
                                 else _attach_child(value)) for name, value in node.expand.items()}


def _attach_child(child: _Node) -> Record:
    _attach(child)
    return child.out


def _expand_path(collection: Collection, nodes: list[_Node], parts: list[str], caller: access.Caller,
                 level: int) -> None:
    if not parts or level > MAX_EXPAND_DEPTH or not nodes:
        return
    name = parts[0]
    back = joins.back_relation(collection, name)
    if back is not None:
        target, f = back
        multiple = f.multiple or not target.unique_on(f.name)
        for node in nodes:
            found = joins.referencing(target, f, node.stored.id, MAX_BACK_RELATED)
            if found:
                node.dynamic[name] = [r.id for r in found]
    else:
        field = collection.fields.get(name)
        related = get_schema().get(field.target) if field is not None and field_type(field).relates else None
        if field is None or related is None:
            raise _ExpandFailed(name)
        target, multiple = related, field.multiple
    wanted = list(dict.fromkeys(i for node in nodes for i in node.ids(name)))
    rels = _fetch(target, wanted, caller)
    rel_nodes = {r.id: _Node(r, for_caller(target, r, caller)) for r in rels}
    if len(parts) > 1:
        _expand_path(target, list(rel_nodes.values()), parts[1:], caller, level + 1)
    for node in nodes:
        if node.expand is None:
            node.expand = {}  # the key is answered even when nothing is found, as PocketBase does
        valid = [rel_nodes[i] for i in node.ids(name) if i in rel_nodes]
        if not valid:
            continue
        previous = node.expand.get(name)
        for old in (previous if isinstance(previous, list) else [previous] if previous else []):
            if old.stored.id in rel_nodes and old.expand:
                merged = rel_nodes[old.stored.id]
                merged.expand = {**(old.expand or {}), **(merged.expand or {})}
        node.expand[name] = valid if multiple else valid[0]


def _fetch(target: Collection, ids: list[str], caller: access.Caller) -> list[store.StoredRecord]:
    """The related records the caller may view (PocketBase's expandFetch: view rule, `@request.context` "expand")."""
    if not ids:
        return []
    if not caller.is_admin and target.rules["viewRule"] is None:
        raise _ExpandFailed(target.name)
    ctx = caller.context()
    ctx.context = "expand"
    view = access.rule(target, "viewRule", caller, ctx)
    found: list[store.StoredRecord] = []
    for start in range(0, len(ids), 100):
        found += [r for r in store.get_many((target.name, i) for i in ids[start:start + 100])
                  if access.allows(view, r, caller)]
    return found


# --- fields --------------------------------------------------------------------------------------------------------

_MODIFIER = re.compile(r"^(\w+)\((.*)\)$")


def _split_top(text: str) -> list[str]:
    """Split on commas outside parentheses (PocketBase's tokenizer)."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for c in text:
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if c == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def parse_fields(text: Any) -> dict[str, tuple[int, bool] | None]:
    """`fields` → {dotted path: excerpt (max, ellipsis) or None}; a bad modifier is a 400, as in PocketBase."""
    parsed: dict[str, tuple[int, bool] | None] = {}
    for spec in _split_top(str(text)):
        path, _, raw = spec.partition(":")
        if not raw:
            parsed[path] = None
            continue
        match = _MODIFIER.match(raw.strip())
        args = [a.strip() for a in match.group(2).split(",")] if match else []
        if not match or match.group(1) != "excerpt" or not 1 <= len(args) <= 2:
            raise _fields_error(f"{spec!r}: the only modifier is excerpt(max, withEllipsis?).")
        try:
            size = int(args[0])
        except ValueError:
            size = 0
        if size <= 0 or size > 1_000_000:
            raise _fields_error(f"{spec!r}: excerpt's max must be a positive number.")
        ellipsis = len(args) > 1 and args[1].lower() in ("1", "t", "true")
        parsed[path] = (size, ellipsis)
    return parsed


def _fields_error(message: str) -> BadRequest:
    return BadRequest(f"Invalid fields: {message}", {"fields": field_error("validation_invalid_value", message)})


def pick(record: Any, fields: Any) -> Any:
    """PocketBase's `fields`: dotted paths into the answer (`expand.owner.name`), `*` for every key at a level,
    and `name:excerpt(max, withEllipsis?)` for plain text out of HTML."""
    if not fields:
        return record
    return _pick(record, parse_fields(fields))


def _pick(data: Any, fields: dict[str, tuple[int, bool] | None]) -> Any:
    if isinstance(data, list):
        return [_pick(item, dict(fields)) if isinstance(item, dict) else item for item in data]
    if not isinstance(data, dict) or not fields:
        return data
    fields = dict(fields)
    if "*" in fields:
        star = fields["*"]
        for key in data:
            if not any((f + ".").startswith(key + ".") for f in fields):
                fields[key] = star
    out = {}
    for key, value in data.items():
        matching = {f: m for f, m in fields.items() if (f + ".").startswith(key + ".")}
        if not matching:
            continue
        rest: dict[str, tuple[int, bool] | None] = {}
        final = None
        for f, m in matching.items():
            remains = (f + ".")[len(key) + 1:].rstrip(".")
            if remains == "":
                final = (m,)
            else:
                rest[remains] = m
        if final is not None:
            out[key] = excerpt(value, *final[0]) if final[0] is not None else value
        else:
            out[key] = _pick(value, rest)
    return out


_EXCLUDED = {"head", "style", "script", "iframe", "embed", "applet", "object", "svg", "img", "picture", "dialog",
             "template", "button", "form", "textarea", "input", "select", "option"}
_INLINE = {"a", "abbr", "acronym", "b", "bdo", "big", "br", "button", "cite", "code", "em", "i", "label", "q",
           "small", "span", "strong", "strike", "sub", "sup", "time"}


class _Text(HTMLParser):
    """The plain text of HTML as PocketBase's excerpt modifier extracts it: whitespace collapsed, block elements
    separated by a space, script/style/media elements left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.space = False

    def _block(self, tag: str) -> None:
        if tag not in _INLINE and not self.space and not self.skip:
            self.parts.append(" ")
            self.space = True

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in _EXCLUDED:
            self.skip += 1
        self._block(tag)

    def handle_endtag(self, tag: str) -> None:
        self._block(tag)
        if tag in _EXCLUDED and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = re.sub(r"\s+", " ", data)
        if self.space:
            text = text.lstrip(" ")
        if text:
            self.space = text.endswith(" ")
            self.parts.append(text)


def excerpt(value: Any, size: int, ellipsis: bool) -> Any:
    if not isinstance(value, str):
        return value
    parser = _Text()
    parser.feed(value)
    parser.close()
    text = "".join(parser.parts).strip()
    if len(text) > size:
        text = text[:size].strip() + ("..." if ellipsis else "")
    return text

