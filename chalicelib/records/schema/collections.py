"""The collections file (PocketBase's "Export collections" JSON) loaded into validated Collection objects.

Loaded once per file path and modification time. Anything PocketBase would not accept, or that wxbase does not
support, fails the load with a message naming the collection and field, so a bad deployment fails on its first
request (and in CI) instead of storing bad data. `users` is always present: the built-in auth collection of WeChat
users, which an exported `users` (or `_pb_users_auth_`) auth collection extends with fields and rules.

A dashboard export loads unchanged, from PocketBase 0.23 to the newest release: PocketBase's system collections
(`_superusers`, `_otps`, `_mfas`, `_authOrigins`, `_externalAuths`) and auth internals (`password` fields, `tokenKey`)
are ignored, and an option wxbase doesn't know is accepted with a logged warning naming collection, field and option
when it is harmless: dashboard text (`help`) or a newer option left at its zero value (which is its "off" in
PocketBase). Any other unknown option, and an unknown field type, fails the load.

Each collection also gets its access paths and constraints from its `indexes` (records/schema/indexes.py):
equality index slots backed by the table's GSIs, ordered by a trailing autodate column, and UNIQUE constraints.
Every single relation to users implicitly gets an index slot too ("one owner's records").
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
from typing import Any

from chalicelib.core import logs
from chalicelib.core.auth_tokens import USERS_COLLECTION_ID
from chalicelib.core.settings import ConfigError, get_settings
from chalicelib.records.filter import bind
from chalicelib.records.schema import indexes
from chalicelib.records.schema.fields import TYPES, always_set, field_type
from chalicelib.records.schema.fields.base import OptionProblem, check_number
from chalicelib.records.schema.model import SYSTEM_FIELDS, USERS, Collection, Field, Index, Schema, UniqueIndex
from chalicelib.core.patterns import lazy

PAYMENTS = "payments"  # the built-in collection of WeChat Pay orders (chalicelib/payments), written by wxbase only
TRADE_STATES = ("NOTPAY", "USERPAYING", "SUCCESS", "PAYERROR", "CLOSED", "REVOKED", "REFUND")
AUTODATE_FIELDS = ("created", "updated")
MAX_INDEX_SLOTS = 4  # GSIs gsi3..gsi6 (store/table_definition.py); gsi1/gsi2 serve created/updated order

COMMON_OPTIONS = {"id", "name", "type", "system", "hidden", "presentable", "required"}
# PocketBase's auth-only fields and types: accepted in an exported users collection and ignored (WeChat users have
# none).
IGNORED_AUTH_FIELDS = {"password", "tokenKey"}
IGNORED_AUTH_TYPES = ("password",)
# PocketBase's own collections (its superusers, one-time passwords, MFA, sign-in origins, OAuth2 links): part of
# every dashboard export, nothing wxbase serves (admins use admin keys; WeChat identities link users).
SYSTEM_COLLECTIONS = ("_superusers", "_otps", "_mfas", "_authOrigins", "_externalAuths")
# Field options that only the dashboard reads: accepted with a warning when set (0.37+ exports have `help`).
DASHBOARD_OPTIONS = {"help"}
# Field types of PocketBase that wxbase does not store (the load names the field).
UNSUPPORTED_TYPES = {"geoPoint": "geoPoint fields are not supported; use a json field or two number fields",
                     "password": "password fields belong to auth collections"}
USERS_REDEFINABLE = ("name",)
COLLECTION_KEYS = {"id", "name", "type", "system", "fields", "indexes", "created", "updated",
                   "listRule", "viewRule", "createRule", "updateRule", "deleteRule", "wxbase"}
AUTH_COLLECTION_KEYS = {"authRule", "manageRule", "authAlert", "oauth2", "passwordAuth", "mfa", "otp", "authToken",
                        "passwordResetToken", "emailChangeToken", "verificationToken", "fileToken",
                        "verificationTemplate", "resetPasswordTemplate", "confirmEmailChangeTemplate"}
RULES = ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")
_NAME = lazy(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class SchemaError(ConfigError):
    """The collections file is invalid (an operator error, reported at load time)."""


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


def _payments_builtin():
    """Payments as WeChat Pay reports them: the payer reads their own, only wxbase and admins write (null rules)."""
    fields = [
        {"name": "outTradeNo", "type": "text", "required": True, "max": 32},
        {"name": "mchid", "type": "text", "required": True, "max": 32},
        {"name": "appid", "type": "text", "required": True, "max": 32},
        {"name": "payer", "type": "relation", "collectionId": USERS_COLLECTION_ID, "maxSelect": 1},
        {"name": "amount", "type": "number", "required": True, "onlyInt": True, "min": 1},
        {"name": "description", "type": "text", "max": 127},
        {"name": "status", "type": "select", "values": list(TRADE_STATES), "maxSelect": 1},
        {"name": "transactionId", "type": "text", "max": 32},
        {"name": "refCollection", "type": "text", "max": 64},
        {"name": "refId", "type": "text", "max": 64},
        {"name": "attach", "type": "text", "max": 128},
        {"name": "paidAt", "type": "date"},
        {"name": "expiresAt", "type": "date"},
        {"name": "refunded", "type": "number", "onlyInt": True, "min": 0},
        {"name": "refunds", "type": "json", "maxSize": 65536},
        {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
        {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
    ]
    return {"id": "_pb_payments_", "name": PAYMENTS, "type": "base", "fields": fields,
            "listRule": "payer = @request.auth.id", "viewRule": "payer = @request.auth.id", "createRule": None,
            "updateRule": None, "deleteRule": None, "indexes": []}


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


def check_at_start() -> Schema:
    """Load the deployment's collections file when the app starts (app.py imports this module alone), so a file
    that can't load stops `make dev` and the Lambda's start with one message naming the file, collection and field
    instead of answering 500 to every request."""
    try:
        return get_schema()
    except SchemaError as exc:
        path = get_settings().collections_path
        raise SchemaError(exc.message if path in exc.message else f"The collections file {path}: {exc.message}"
                          ) from None


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
    entries, users_entry, system = [], None, []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise SchemaError(f"Collection #{i + 1} needs a name.")
        if entry["name"] in SYSTEM_COLLECTIONS:
            system.append(entry["name"])
            continue
        if entry["name"] == USERS or entry.get("id") == USERS_COLLECTION_ID:
            if entry.get("type") != "auth":
                raise SchemaError("Collection users: must be of type auth (it is the WeChat users collection).")
            users_entry = entry
        elif entry["name"] == PAYMENTS:
            raise SchemaError("Collection payments: the name is taken by the built-in payments collection.")
        else:
            entries.append(entry)
    users = _users_builtin()
    if users_entry is not None:
        users = _extend_users(users, users_entry)
    entries[:0] = [users, _payments_builtin()]

    names: dict[str, dict] = {}
    ids: dict[str, str] = {}
    for entry in entries:
        name = entry["name"]
        if not _NAME.match(name):
            raise SchemaError(f"Collection {name!r}: the name must be letters, digits and underscores.")
        if name.lower() in (n.lower() for n in names):  # names are matched regardless of case, as PocketBase does
            raise SchemaError(f"Collection {name}: listed twice (names are compared regardless of case).")
        names[name] = entry
        ids[entry.get("id") or name] = name
    system_ids = {e.get("id"): e["name"] for e in raw if isinstance(e, dict) and e.get("name") in system}
    if system:
        logs.event("collections_system_ignored", collections=", ".join(system))

    collections = {name: _collection(entry, names, ids, system_ids) for name, entry in names.items()}
    schema = Schema(collections, {c.id: c for c in collections.values()})
    for collection in collections.values():
        for rule in RULES:
            text = collection.rules[rule]
            if text is not None:
                try:
                    bind.check(schema, collection, text, param=rule)
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
    merged["_extra_keys"] = {k: entry[k] for k in set(entry) - COLLECTION_KEYS - AUTH_COLLECTION_KEYS}
    return merged


def _collection(entry, names, ids, system_ids):
    name = entry["name"]
    ctype = entry.get("type", "base")
    if ctype not in ("base", "auth"):
        raise SchemaError(f"Collection {name}: type {ctype!r} is not supported (base or auth); remove the "
                          "collection from the file.")
    allowed = COLLECTION_KEYS | (AUTH_COLLECTION_KEYS if ctype == "auth" else set()) | {"_extra_keys"}
    extra = {**entry.get("_extra_keys", {}), **{k: entry[k] for k in set(entry) - allowed}}
    unknown = {k for k, v in extra.items() if not _is_zero(v)}
    if unknown:
        raise SchemaError(f"Collection {name}: unknown option(s) {', '.join(sorted(unknown))}.")
    for key in sorted(extra):
        _warn_ignored(name, None, key)
    if not isinstance(entry.get("fields", []), list):
        raise SchemaError(f"Collection {name}: fields must be a list.")
    fields: dict[str, Field] = {}
    autodates: dict[str, Field] = {}
    for raw in entry.get("fields", []):
        f = _field(name, raw, names, ids, ctype, system_ids)
        if f is None:
            continue
        if f.name in fields or f.name in autodates:
            raise SchemaError(f"Collection {name}, field {f.name}: listed twice.")
        (autodates if field_type(f).automatic else fields)[f.name] = f
    rules = {}
    for rule in RULES:
        value = entry.get(rule)
        if value is not None and not isinstance(value, str):
            raise SchemaError(f"Collection {name}: {rule} must be null or a string.")
        rules[rule] = value
    collection = Collection(id=entry.get("id") or name, name=name, type=ctype, fields=fields, rules=rules,
                            autodates=autodates)
    collection.indexes, collection.unique = _indexes(collection, entry.get("indexes") or [])
    collection.shard_history = _shard_history(name, entry.get("wxbase"))
    return collection


MAX_WRITE_SHARDS = 64


def _shard_history(name, options):
    """wxbase's collection option `"wxbase": {"writeShards": N}`: spread a hot collection's writes over N partition
    keys (1, the default, keeps one). A count that grew is declared with its history, `[1, 4, 16]`: each count a
    multiple of the one before, so records written under an older one are in the newest one's partitions (or the
    unsuffixed one) and are never moved."""
    if options is None:
        return (1,)
    shards: Any = options.get("writeShards", 1) if isinstance(options, dict) else None
    given = shards if isinstance(shards, list) else [shards]
    if (not isinstance(options, dict) or set(options) - {"writeShards"} or not given
            or not all(_is_shard_count(n) for n in given)):
        raise SchemaError(f"Collection {name}: wxbase must be {{\"writeShards\": 1-{MAX_WRITE_SHARDS}}} or a list of "
                          f"the counts it has had, e.g. [1, 4, 16].")
    history: list[int] = list(given)
    for older, newer in zip(history, history[1:]):
        if newer <= older or newer % older:
            raise SchemaError(f"Collection {name}: writeShards {history} must grow, each count a multiple of the one "
                              f"before ({newer} after {older}), so that no record moves.")
    if history[-1] > 1 and name == USERS:
        raise SchemaError(f"Collection {name}: users can't be sharded (logins read them by id with one key).")
    return tuple(history)


def _is_shard_count(n):
    return isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_WRITE_SHARDS


def _field(cname, raw, names, ids, ctype, system_ids):
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise SchemaError(f"Collection {cname}: every field needs a name.")
    fname, ftype = raw["name"], raw.get("type")
    where = f"Collection {cname}, field {fname}"
    if fname == "id":
        if ftype != "text":
            raise SchemaError(f"{where}: the id field must be of type text.")
        return None  # PocketBase's system id: 15 chars [a-z0-9], always ours
    if ctype == "auth" and (fname in IGNORED_AUTH_FIELDS or ftype in IGNORED_AUTH_TYPES):
        return None  # sign-in is WeChat's: no passwords, no token keys
    if not _NAME.match(fname) or fname in SYSTEM_FIELDS or fname in ("expand",):
        raise SchemaError(f"{where}: the name is not allowed.")
    if ftype in UNSUPPORTED_TYPES:
        raise SchemaError(f"{where}: {UNSUPPORTED_TYPES[ftype]}.")
    if ftype not in TYPES:
        raise SchemaError(f"{where}: unknown type {ftype!r}.")
    extra = set(raw) - COMMON_OPTIONS - TYPES[ftype].options
    unknown = {k for k in extra if k not in DASHBOARD_OPTIONS and not _is_zero(raw[k])}
    if unknown:
        raise SchemaError(f"{where}: unknown option(s) {', '.join(sorted(unknown))} for type {ftype}.")
    for key in sorted(extra):
        if key not in DASHBOARD_OPTIONS or not _is_zero(raw[key]):  # every 0.37+ field has `"help": ""`
            _warn_ignored(cname, fname, key)
    if fname in AUTODATE_FIELDS and not TYPES[ftype].automatic:
        raise SchemaError(f"{where}: created and updated must be autodate fields.")
    if TYPES[ftype].relates and raw.get("collectionId") in system_ids:
        raise SchemaError(f"{where}: relates to PocketBase's system collection {system_ids[raw['collectionId']]}, "
                          "which wxbase does not have.")
    options = {k: v for k, v in raw.items() if k not in COMMON_OPTIONS and k not in extra}
    _check_options(where, ftype, options, names, ids)
    return Field(name=fname, type=ftype, required=bool(raw.get("required")), hidden=bool(raw.get("hidden")),
                 options=options)


def _check_options(where, ftype, options, names, ids):
    try:
        for key in ("maxSize", "maxSelect", "minSelect"):
            check_number(options, key, integer=True, minimum=0)
        TYPES[ftype].check_options(options)
    except OptionProblem as exc:
        raise SchemaError(f"{where}: {exc}") from None
    if "secCheck" in options:  # an option of text, editor and file fields only
        _check_sec_check(where, options)
    if TYPES[ftype].relates:
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
    """wxbase's option: `"secCheck": {"scene": 1-4}` (or profile/comment/forum/social) → msg_sec_check on writes
    of text and editor fields, media_check_async for images attached to file fields."""
    spec = options["secCheck"]
    if spec is None:
        return
    scenes = {"profile": 1, "comment": 2, "forum": 3, "social": 4}
    scene = spec.get("scene") if isinstance(spec, dict) else None
    scene = scenes.get(scene, scene) if isinstance(scene, str) else scene
    if not isinstance(spec, dict) or set(spec) - {"scene"} or isinstance(scene, bool) or scene not in (1, 2, 3, 4):
        raise SchemaError(f"{where}: secCheck must be {{\"scene\": 1-4}} (1 profile, 2 comment, 3 forum, 4 social).")
    options["secCheck"] = {"scene": scene}


def _is_zero(value):
    """A Go zero value: an option PocketBase added later, left at it, is off (false, 0, "", empty list/object)."""
    return value is None or value is False or value == 0 or value == "" or value == [] or value == {}


def _warn_ignored(collection, field_name, option):
    logs.event("collections_option_ignored", level=logging.WARNING, collection=collection, field=field_name,
               option=option)


def _indexes(collection, raw_indexes):
    """PocketBase `indexes` → query paths (GSI slots) and unique constraints; every single relation to users gets a
    path too. Auth internals' indexes (tokenKey, email of users) are PocketBase's own and dropped."""
    ignored = set(IGNORED_AUTH_FIELDS) if collection.is_auth else set()

    def warn(message):
        logs.event("collections_index_ignored", level=logging.WARNING, collection=collection.name, detail=message)

    if not isinstance(raw_indexes, list):
        raise SchemaError(f"Collection {collection.name}: indexes must be a list of CREATE INDEX statements.")
    try:
        paths, unique = indexes.read(collection, raw_indexes, ignored, warn, first_slot=3)
    except indexes.IndexProblem as exc:
        raise SchemaError(f"Collection {collection.name}, {exc}") from None
    wanted = [(p.name, p.fields, p.order) for p in paths]
    for f in collection.fields.values():
        if field_type(f).relates and f.target == USERS and not f.multiple:
            if not any(cols == (f.name,) and order == "created" for _, cols, order in wanted):
                wanted.append((f"owner_{f.name}", (f.name,), "created"))
    # Past the GSIs, UNIQUE indexes (last declared first) stay constraints without a query path of their own:
    # answers are the same, equality on them reads within the list bound (planner.MAX_SCANNED).
    constraint_names = {u.name for u in unique}
    for name in [n for n, _, _ in reversed(wanted) if n in constraint_names]:
        if len(wanted) <= MAX_INDEX_SLOTS:
            break
        wanted = [w for w in wanted if w[0] != name]
        warn(f"unique index {name} is enforced but is not a query path: the collection's {MAX_INDEX_SLOTS} index "
             "slots are taken by the indexes declared before it.")
    if len(wanted) > MAX_INDEX_SLOTS:
        raise SchemaError(f"Collection {collection.name}: at most {MAX_INDEX_SLOTS} indexes (single relations to "
                          f"users count as one each; UNIQUE ones need none); it needs {len(wanted)}: "
                          f"{', '.join(n for n, _, _ in wanted)}.")
    if collection.name == USERS:
        # WeChat sign-ins create users with blank fields, so a blank value never claims a unique value here
        unique = [UniqueIndex(u.name, u.columns, u.nocase, u.columns) for u in unique]
    return (tuple(Index(slot=3 + i, name=name, fields=cols, order=order, directory=_always_set(collection, cols))
                  for i, (name, cols, order) in enumerate(wanted)),
            tuple(unique))


def _always_set(collection, names):
    """How many of the last of these fields every record holds a non-blank value in (an index on them holds every
    record: fields.always_set)."""
    count = 0
    for name in reversed(names):
        if not always_set(collection.field(name)):
            break
        count += 1
    return count
