"""The collections file (PocketBase's "Export collections" JSON) loaded into validated Collection objects.

Loaded once per file path and modification time. Anything PocketBase would not accept, or that wxbase does not
support, fails the load with a message naming the collection and field, so a bad deployment fails on its first
request (and in CI) instead of storing bad data. `users` is always present: the built-in auth collection of WeChat
users, which an exported `users` (or `_pb_users_auth_`) auth collection extends with fields and rules.

Each collection also gets its access paths: PocketBase `indexes` (and, implicitly, every single relation to
users: "one owner's records") become equality index slots backed by the table's GSIs (see query.py).
"""
from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Iterator

from chalicelib.core.auth_tokens import USERS_COLLECTION_ID
from chalicelib.core.settings import ConfigError, get_settings
from chalicelib.records import filter_bind
from chalicelib.records.fields import parse_datetime

USERS = "users"  # the built-in auth collection of WeChat users
SYSTEM_FIELDS = ("id", "collectionId", "collectionName")
AUTODATE_FIELDS = ("created", "updated")
MAX_INDEX_SLOTS = 4  # GSIs gsi3..gsi6 (store/schema.py); gsi1/gsi2 serve created/updated order

COMMON_OPTIONS = {"id", "name", "type", "system", "hidden", "presentable", "required"}
TYPE_OPTIONS = {
    "text": {"min", "max", "pattern", "autogeneratePattern", "primaryKey", "secCheck"},
    "number": {"min", "max", "onlyInt"},
    "bool": set(),
    "email": {"exceptDomains", "onlyDomains"},
    "url": {"exceptDomains", "onlyDomains"},
    "editor": {"maxSize", "convertURLs", "secCheck"},
    "date": {"min", "max"},
    "autodate": {"onCreate", "onUpdate"},
    "select": {"values", "maxSelect"},
    "json": {"maxSize"},
    "file": {"maxSelect", "maxSize", "mimeTypes", "thumbs", "protected"},
    "relation": {"collectionId", "cascadeDelete", "minSelect", "maxSelect"},
}
# PocketBase's auth-only fields: accepted in an exported users collection and ignored (WeChat users have none).
IGNORED_AUTH_FIELDS = {"password", "tokenKey"}
USERS_REDEFINABLE = ("name",)
COLLECTION_KEYS = {"id", "name", "type", "system", "fields", "indexes", "created", "updated",
                   "listRule", "viewRule", "createRule", "updateRule", "deleteRule"}
AUTH_COLLECTION_KEYS = {"authRule", "manageRule", "authAlert", "oauth2", "passwordAuth", "mfa", "otp", "authToken",
                        "passwordResetToken", "emailChangeToken", "verificationToken", "fileToken",
                        "verificationTemplate", "resetPasswordTemplate", "confirmEmailChangeTemplate"}
RULES = ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_INDEX = re.compile(
    r"^\s*CREATE\s+(?P<unique>UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?[`\"']?(?P<name>\w+)[`\"']?\s+ON\s+"
    r"[`\"']?(?P<table>\w+)[`\"']?\s*\((?P<columns>[^)]*)\)\s*(?P<where>WHERE\s.*)?;?\s*$",
    re.IGNORECASE | re.DOTALL,
)


class SchemaError(ConfigError):
    """The collections file is invalid (an operator error, reported at load time)."""


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool = False
    hidden: bool = False
    options: dict = field(default_factory=dict)

    def opt(self, name: str, default: Any = None) -> Any:
        value = self.options.get(name)
        return default if value is None else value

    @property
    def multiple(self) -> bool:
        """Multi-valued (stored as a list): select/file/relation with maxSelect > 1."""
        return self.type in ("select", "file", "relation") and self.opt("maxSelect", 1) > 1

    @property
    def target(self) -> str:
        """A relation's target collection name (resolved at load; "" for other types)."""
        return str(self.options.get("_target") or "")


@dataclass(frozen=True)
class Index:
    slot: int  # 3.. → the table's gsi<slot>
    name: str
    fields: tuple[str, ...]


@dataclass
class Collection:
    id: str
    name: str
    type: str
    fields: dict[str, Field]  # in file order (system and autodate fields excluded)
    rules: dict[str, str | None]
    indexes: tuple[Index, ...] = ()
    autodates: dict[str, Field] = field(default_factory=dict)  # created/updated and other autodate fields

    @property
    def is_auth(self) -> bool:
        return self.type == "auth"

    def field(self, name: str) -> Field | None:
        return self.fields.get(name) or self.autodates.get(name)

    def has(self, name: str) -> bool:
        return name in SYSTEM_FIELDS or name in self.fields or name in self.autodates

    def index_for(self, names: list[str]) -> Iterator[Index]:
        wanted = set(names)
        for index in self.indexes:
            if set(index.fields) <= wanted:
                yield index


@dataclass(frozen=True)
class Schema:
    collections: dict[str, Collection]  # by name
    by_id: dict[str, Collection]

    def get(self, id_or_name: str) -> Collection | None:
        return self.collections.get(id_or_name) or self.by_id.get(id_or_name)

    @property
    def users(self) -> Collection:
        return self.collections[USERS]


def _users_builtin():
    fields = [
        {"name": "email", "type": "email"},
        {"name": "emailVisibility", "type": "bool"},
        {"name": "verified", "type": "bool"},
        {"name": "name", "type": "text", "max": 255},
        {"name": "avatar", "type": "file", "maxSelect": 1, "maxSize": 5242880,
         "mimeTypes": ["image/jpeg", "image/png", "image/gif", "image/webp"]},
        {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
        {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
    ]
    return {"id": USERS_COLLECTION_ID, "name": USERS, "type": "auth", "fields": fields,
            "listRule": "id = @request.auth.id", "viewRule": "id = @request.auth.id", "createRule": None,
            "updateRule": "id = @request.auth.id", "deleteRule": None, "indexes": []}


_cache: dict[tuple[str, int], Schema] = {}
_cache_lock = threading.Lock()


def get_schema() -> Schema:
    """The deployment's schema (WXBASE_COLLECTIONS), cached per path and modification time."""
    path = get_settings().collections_path
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        raise SchemaError(f"The collections file {path} can't be read.") from None
    key = (path, mtime)
    schema = _cache.get(key)
    if schema is None:
        with _cache_lock:
            schema = _cache.get(key)
            if schema is None:
                schema = load_file(path)
                _cache.clear()
                _cache[key] = schema
    return schema


def load_file(path: str) -> Schema:
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except (OSError, ValueError) as exc:
        raise SchemaError(f"The collections file {path} is not valid JSON: {exc}") from None
    return load(raw)


def load(raw: Any) -> Schema:
    """Validate an exported collections list; SchemaError naming the collection (and field) otherwise."""
    if isinstance(raw, dict) and "collections" in raw:
        raw = raw["collections"]
    if not isinstance(raw, list):
        raise SchemaError("The collections file must be a JSON list of collections.")
    entries, users_entry = [], None
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise SchemaError(f"Collection #{i + 1} needs a name.")
        if entry["name"] == USERS or entry.get("id") == USERS_COLLECTION_ID:
            if entry.get("type") != "auth":
                raise SchemaError("Collection users: must be of type auth (it is the WeChat users collection).")
            users_entry = entry
        else:
            entries.append(entry)
    users = _users_builtin()
    if users_entry is not None:
        users = _extend_users(users, users_entry)
    entries.insert(0, users)

    names, ids = {}, {}
    for entry in entries:
        name = entry["name"]
        if not _NAME.match(name):
            raise SchemaError(f"Collection {name!r}: the name must be letters, digits and underscores.")
        if name in names:
            raise SchemaError(f"Collection {name}: listed twice.")
        names[name] = entry
        ids[entry.get("id") or name] = name

    collections = {name: _collection(entry, names, ids) for name, entry in names.items()}
    schema = Schema(collections, {c.id: c for c in collections.values()})
    for collection in collections.values():
        for rule in RULES:
            text = collection.rules[rule]
            if text is not None:
                try:
                    filter_bind.check(schema, collection, text, param=rule)
                except Exception as exc:
                    message = getattr(exc, "detail", None) or str(exc)
                    raise SchemaError(f"Collection {collection.name}: {rule} is invalid: {message}") from None
    return schema


def _extend_users(builtin, entry):
    merged = dict(builtin)
    for rule in RULES:
        if rule in entry:
            merged[rule] = entry[rule]
    known = {f["name"] for f in builtin["fields"]}
    extra = [f for f in entry.get("fields", []) if isinstance(f, dict) and f.get("name") not in known
             and f.get("name") not in IGNORED_AUTH_FIELDS and f.get("name") != "id"]
    # The profile's `name` (the WeChat nickname) may be redefined, e.g. with secCheck or another max; the other
    # built-in fields stay ours (an export's `email` is often required, which WeChat users can't satisfy).
    redefined = {f["name"]: f for f in entry.get("fields", []) if isinstance(f, dict)
                 and f.get("name") in USERS_REDEFINABLE}
    for name, f in redefined.items():
        if f.get("type") != "text":
            raise SchemaError(f"Collection users, field {name}: must be of type text (the WeChat nickname).")
    merged["fields"] = [redefined.get(f["name"], f) for f in builtin["fields"]] + extra
    # PocketBase's own users indexes (tokenKey, email) cover built-in columns we manage ourselves.
    merged["indexes"] = [i for i in entry.get("indexes", []) if not re.search(r"\((?:\s*`?(tokenKey|email)`?\s*)\)", i)]
    merged["_extra_keys"] = set(entry) - COLLECTION_KEYS - AUTH_COLLECTION_KEYS
    return merged


def _collection(entry, names, ids):
    name = entry["name"]
    ctype = entry.get("type", "base")
    if ctype not in ("base", "auth"):
        raise SchemaError(f"Collection {name}: type {ctype!r} is not supported (base or auth).")
    allowed = COLLECTION_KEYS | (AUTH_COLLECTION_KEYS if ctype == "auth" else set()) | {"_extra_keys"}
    unknown = (set(entry) - allowed) | entry.get("_extra_keys", set())
    if unknown:
        raise SchemaError(f"Collection {name}: unknown option(s) {', '.join(sorted(unknown))}.")
    if not isinstance(entry.get("fields", []), list):
        raise SchemaError(f"Collection {name}: fields must be a list.")
    fields: dict[str, Field] = {}
    autodates: dict[str, Field] = {}
    for raw in entry.get("fields", []):
        f = _field(name, raw, names, ids, ctype)
        if f is None:
            continue
        if f.name in fields or f.name in autodates:
            raise SchemaError(f"Collection {name}, field {f.name}: listed twice.")
        (autodates if f.type == "autodate" else fields)[f.name] = f
    rules = {}
    for rule in RULES:
        value = entry.get(rule)
        if value is not None and not isinstance(value, str):
            raise SchemaError(f"Collection {name}: {rule} must be null or a string.")
        rules[rule] = value
    collection = Collection(id=entry.get("id") or name, name=name, type=ctype, fields=fields, rules=rules,
                            autodates=autodates)
    collection.indexes = _indexes(collection, entry.get("indexes") or [])
    return collection


def _field(cname, raw, names, ids, ctype):
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise SchemaError(f"Collection {cname}: every field needs a name.")
    fname, ftype = raw["name"], raw.get("type")
    where = f"Collection {cname}, field {fname}"
    if fname == "id":
        if ftype != "text":
            raise SchemaError(f"{where}: the id field must be of type text.")
        return None  # PocketBase's system id: 15 chars [a-z0-9], always ours
    if ctype == "auth" and fname in IGNORED_AUTH_FIELDS:
        return None
    if not _NAME.match(fname) or fname in SYSTEM_FIELDS or fname in ("expand",):
        raise SchemaError(f"{where}: the name is not allowed.")
    if ftype not in TYPE_OPTIONS:
        raise SchemaError(f"{where}: unknown type {ftype!r}.")
    unknown = set(raw) - COMMON_OPTIONS - TYPE_OPTIONS[ftype]
    if unknown:
        raise SchemaError(f"{where}: unknown option(s) {', '.join(sorted(unknown))} for type {ftype}.")
    if fname in AUTODATE_FIELDS and ftype != "autodate":
        raise SchemaError(f"{where}: created and updated must be autodate fields.")
    options = {k: v for k, v in raw.items() if k not in COMMON_OPTIONS}
    _check_options(where, ftype, options, names, ids)
    return Field(name=fname, type=ftype, required=bool(raw.get("required")), hidden=bool(raw.get("hidden")),
                 options=options)


def _number(where, options, key, integer=False, minimum=None):
    value = options.get(key)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not float(value).is_integer()):
        raise SchemaError(f"{where}: {key} must be a {'whole ' if integer else ''}number.")
    if minimum is not None and value < minimum:
        raise SchemaError(f"{where}: {key} must be at least {minimum}.")


def _check_options(where, ftype, options, names, ids):
    for key in ("min", "max") if ftype in ("text", "number") else ():
        _number(where, options, key, integer=ftype == "text", minimum=0 if ftype == "text" else None)
    for key in ("maxSize", "maxSelect", "minSelect"):
        _number(where, options, key, integer=True, minimum=0)
    if ftype == "text" and options.get("pattern"):
        try:
            re.compile(options["pattern"])
        except (re.error, TypeError):
            raise SchemaError(f"{where}: pattern is not a valid regular expression.") from None
    if ftype in ("text", "editor") and "secCheck" in options:
        _check_sec_check(where, options)
    if ftype in ("email", "url"):
        for key in ("exceptDomains", "onlyDomains"):
            value = options.get(key)
            if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise SchemaError(f"{where}: {key} must be a list of domains.")
    if ftype == "date":
        for key in ("min", "max"):
            if options.get(key) not in (None, "") and parse_datetime(options[key]) is None:
                raise SchemaError(f"{where}: {key} must be a date.")
    if ftype == "autodate":
        if not any(options.get(k) for k in ("onCreate", "onUpdate")):
            raise SchemaError(f"{where}: set onCreate and/or onUpdate.")
    if ftype == "select":
        values = options.get("values")
        if not (isinstance(values, list) and values and all(isinstance(v, str) and v for v in values)):
            raise SchemaError(f"{where}: values must be a non-empty list of strings.")
    if ftype == "file":
        mimes = options.get("mimeTypes")
        if mimes is not None and not (isinstance(mimes, list) and all(isinstance(v, str) for v in mimes)):
            raise SchemaError(f"{where}: mimeTypes must be a list of strings.")
    if ftype == "relation":
        target = options.get("collectionId")
        if target == USERS_COLLECTION_ID or target == USERS:
            options["_target"] = USERS
        elif target in ids:
            options["_target"] = ids[target]
        elif target in names:
            options["_target"] = target
        else:
            raise SchemaError(f"{where}: collectionId {target!r} names no collection in the file.")


def _check_sec_check(where, options):
    """wxbase's option: `"secCheck": {"scene": 1-4}` (or profile/comment/forum/social) → msg_sec_check on writes."""
    spec = options["secCheck"]
    if spec is None:
        return
    scenes = {"profile": 1, "comment": 2, "forum": 3, "social": 4}
    scene = spec.get("scene") if isinstance(spec, dict) else None
    scene = scenes.get(scene, scene) if isinstance(scene, str) else scene
    if not isinstance(spec, dict) or set(spec) - {"scene"} or isinstance(scene, bool) or scene not in (1, 2, 3, 4):
        raise SchemaError(f"{where}: secCheck must be {{\"scene\": 1-4}} (1 profile, 2 comment, 3 forum, 4 social).")
    options["secCheck"] = {"scene": scene}


def _indexes(collection, raw_indexes):
    """PocketBase `indexes` (SQL) → equality index slots; every single relation to users gets one too."""
    wanted = []
    for raw in raw_indexes:
        match = _INDEX.match(raw) if isinstance(raw, str) else None
        where = f"Collection {collection.name}, index {raw!r}"
        if not match:
            raise SchemaError(f"{where}: not a CREATE INDEX statement.")
        if match.group("unique"):
            raise SchemaError(f"{where}: unique indexes are not supported; enforce uniqueness in a rule or drop UNIQUE.")
        if match.group("where"):
            raise SchemaError(f"{where}: partial indexes (WHERE) are not supported.")
        columns = []
        for column in match.group("columns").split(","):
            column = re.sub(r"\s+(ASC|DESC|COLLATE\s+\w+)\b", "", column.strip(), flags=re.IGNORECASE).strip("`\"' ")
            f = collection.fields.get(column)
            if f is None:
                raise SchemaError(f"{where}: {column!r} is not a field of the collection.")
            if f.multiple or f.type in ("json", "editor", "file"):
                raise SchemaError(f"{where}: {column} ({f.type}) can't be indexed; index single-valued fields.")
            columns.append(column)
        wanted.append((match.group("name"), tuple(columns)))
    for f in collection.fields.values():
        if f.type == "relation" and f.target == USERS and not f.multiple:
            if not any(cols == (f.name,) for _, cols in wanted):
                wanted.append((f"owner_{f.name}", (f.name,)))
    if len(wanted) > MAX_INDEX_SLOTS:
        raise SchemaError(f"Collection {collection.name}: at most {MAX_INDEX_SLOTS} indexes (single relations to "
                          f"users count as one each); it needs {len(wanted)}.")
    return tuple(Index(slot=3 + i, name=name, fields=cols) for i, (name, cols) in enumerate(wanted))
