"""The records service: PocketBase's list/view/create/update/delete with its rules, on DynamoDB.

Rules as PocketBase applies them: `null` → 403 for non-admins; the list rule filters (200 with fewer items); a
failed view/update/delete rule is 404 (the record is not disclosed); a failed create rule is 400. Admin keys
bypass rules. Update and delete are each one conditional write carrying the record's version and the rule
(compiled to a ConditionExpression), so a concurrent writer can't be overwritten silently: a lost race is retried
on the fresh record a few times, then reported as 409. Creates and deletes keep the counters (query.py) in the same
transaction.
"""
import random
import re
import time

from chalicelib.core import clock, ids, logs
from chalicelib.core.auth_tokens import USERS_COLLECTION_ID
from chalicelib.core.errors import BadRequest, Conflict, Forbidden, NotFound, field_error
from chalicelib.records import fields as field_values
from chalicelib.records import cascade, content_check, file_fields, filter_eval, items, query
from chalicelib.records.collections import USERS, get_schema
from chalicelib.records.filter_ddb import Builder
from chalicelib.records.filter_parser import parse
from chalicelib.store import keys, table
from chalicelib.store.table import ConditionFailed, TransactionFailed

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000
MAX_WRITE_ATTEMPTS = 10
MAX_EXPAND_DEPTH = 6
MAX_EXPAND_PATHS = 10


class Auth:
    """The caller's user for `@request.auth.*`: the id comes from the verified token; other fields are read
    from the user record on first use (one GetItem, only for rules that need them)."""

    def __init__(self, user_id):
        self.id = user_id
        self._record = None

    def value(self, name):
        if name == "id":
            return self.id
        if name == "collectionId":
            return USERS_COLLECTION_ID
        if name == "collectionName":
            return USERS
        if self._record is None:
            self._record = table.get(keys.record(USERS, self.id), consistent=False) or {}
        return filter_eval.field_value(self._record, name) if self._record else ""


class Caller:
    def __init__(self, user_id=None, is_admin=False, query_params=None, headers=None, method="GET", appid=None):
        self.is_admin = is_admin
        self.appid = appid  # the app the user's token was issued for (content checks run as that identity)
        self.auth = Auth(user_id) if user_id else None
        self.query = query_params or {}
        self.headers = headers or {}
        self.method = method

    @property
    def user_id(self):
        return self.auth.id if self.auth else None

    @property
    def scope(self):
        return "admin" if self.is_admin else (self.user_id or "guest")

    def context(self, body=None, old=None):
        return filter_eval.Context(auth=self.auth, body=body, query=self.query, method=self.method,
                                   headers=self.headers, old=old)


def _collection(name):
    collection = get_schema().get(name)
    if collection is None:
        raise NotFound("Missing collection context.")
    return collection


def _rule(collection, name, caller, ctx):
    """The bound rule tree; Forbidden for a locked rule; ("const", True) for admins."""
    if caller.is_admin:
        return ("const", True)
    rule = collection.rules[name]
    if rule is None:
        raise Forbidden("Only admins can perform this request.")
    return filter_eval.bind(get_schema(), collection, rule, ctx, param=name)


def _and(*nodes):
    flat = []
    for node in nodes:
        flat.extend(node[1] if node[0] == "and" else [node])
    return filter_eval.fold(("and", flat))


def _int(params, name, default):
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be a whole number.",
                         {name: field_error("validation_invalid_value", "Must be a whole number.")}) from None


# --- list ---------------------------------------------------------------------------------------------------

def list_records(collection_name, params, caller):
    collection = _collection(collection_name)
    page = max(1, _int(params, "page", 1))
    per_page = _int(params, "perPage", DEFAULT_PER_PAGE)
    per_page = DEFAULT_PER_PAGE if per_page <= 0 else min(per_page, MAX_PER_PAGE)
    skip_total = str(params.get("skipTotal", "")).lower() in ("1", "true", "t", "yes")
    ctx = caller.context()
    user_filter = filter_eval.bind(get_schema(), collection, params.get("filter") or "", ctx)
    node = _and(user_filter, _rule(collection, "listRule", caller, ctx))
    plan = query.plan(collection, node, query.parse_sort(collection, params.get("sort")))
    qhash = query.query_hash(plan, per_page, caller.scope)
    cursor = params.get("cursor")

    if plan.empty:
        found, next_position, total = [], None, 0
    elif plan.get_id or plan.memory_sort:
        found, next_position, total = _list_in_memory(plan, page, per_page, cursor, qhash)
    else:
        found, next_position, total = _list_page(plan, page, per_page, cursor, qhash, skip_total)
    if skip_total:
        total = -1
    elif total is None:
        total = query.total(plan)
    records = [_render(collection, item, caller) for item in found]
    _expand(collection, records, found, params.get("expand"), caller)
    records = [_pick(r, params.get("fields")) for r in records]
    return {
        "page": page,
        "perPage": per_page,
        "totalItems": total,
        "totalPages": -1 if total < 0 else (total + per_page - 1) // per_page,
        "items": records,
        "nextCursor": query.encode_cursor(qhash, next_position) if next_position is not None else None,
    }


def _list_page(plan, page, per_page, cursor, qhash, skip_total):
    if cursor:
        start = query.decode_cursor(cursor, qhash)
    elif page == 1:
        start = None
    else:
        start, found = query.page_start(qhash, page)
        if not found:
            known, start = query.nearest_marker(qhash, page)
            if start is None and known > 1:
                return [], None, None  # the query ended before page `known`
            try:
                _, start, _ = query.read(plan, start, (page - known) * per_page)
            except query.TooBroad:
                raise BadRequest(f"Page {page} can't be reached directly; request the pages in order or use "
                                 "nextCursor.", {"page": field_error("validation_invalid_value",
                                                                     "Too far ahead of the pages read so far.")})
            if start is None:
                return [], None, None
    if start is None and page > 1 and not cursor:
        return [], None, None  # a marker that says the query ended
    found, next_key, _ = query.read(plan, start, per_page)
    if not cursor and next_key is not None:
        query.remember(qhash, page + 1, next_key)
    total = None
    if not skip_total and not cursor and page == 1 and next_key is None:
        total = len(found)  # everything fits on page 1: no count needed
    return found, next_key, total


def _sort_key(value):
    if value is None or value == "":
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (2, value)
    return (3, str(value))


def _list_in_memory(plan, page, per_page, cursor, qhash):
    if plan.get_id:
        item = table.get(keys.record(plan.collection.name, plan.get_id))
        matches = [item] if item and filter_eval.evaluate(plan.residual, item) else []
    else:
        matches, more, _ = query.read(plan, None, query.MAX_SCANNED + 1)
        if more is not None or len(matches) > query.MAX_SCANNED:
            raise query.TooBroad(plan, "sorts")
        for name, desc in reversed(plan.memory_sort or []):
            matches.sort(key=lambda i, n=name: _sort_key(filter_eval.field_value(i, n)), reverse=desc)
    offset = query.decode_cursor(cursor, qhash) if cursor else (page - 1) * per_page
    if not isinstance(offset, int) or offset < 0:
        raise BadRequest("Invalid cursor.")
    found = matches[offset:offset + per_page]
    next_position = offset + per_page if offset + per_page < len(matches) else None
    return found, next_position, len(matches)


# --- view ---------------------------------------------------------------------------------------------------

def view(collection_name, record_id, params, caller):
    collection = _collection(collection_name)
    item = _get_visible(collection, record_id, caller)
    record = _render(collection, item, caller)
    _expand(collection, [record], [item], params.get("expand"), caller)
    return _pick(record, params.get("fields"))


def _get_visible(collection, record_id, caller):
    rule = _rule(collection, "viewRule", caller, caller.context())
    item = table.get(keys.record(collection.name, record_id)) if ids.is_valid_id(record_id) else None
    if item is None or not filter_eval.evaluate(rule, item):
        raise NotFound()
    return item


# --- create -------------------------------------------------------------------------------------------------

def _owner_fields(collection):
    """Relation fields the create rule pins to the caller (`owner = @request.auth.id`): filled in when absent."""
    rule = collection.rules["createRule"]
    if not rule:
        return []
    node = parse(rule, "createRule")
    found = []
    for term in node[1] if node[0] == "and" else [node]:
        if term[0] == "cmp" and term[1] in ("=", "?="):
            sides = {term[2][:2], term[3][:2]}
            for kind, name in sides:
                f = collection.fields.get(name) if kind == "ident" else None
                if f and f.type == "relation" and f.target == USERS and ("ident", "@request.auth.id") in sides:
                    found.append(name)
    return found


def create(collection_name, body, caller):
    collection = _collection(collection_name)
    if not caller.is_admin and collection.rules["createRule"] is None:
        raise Forbidden("Only admins can perform this request.")
    record_id = body.get("id")
    if record_id in (None, ""):
        record_id = ids.new_id()
    elif not ids.is_valid_id(record_id):
        raise BadRequest("Failed to create record.", {"id": field_error(
            "validation_invalid_format", "Must be 15 characters of a-z and 0-9.")})
    body = dict(body)
    if caller.auth and not caller.is_admin:
        for name in _owner_fields(collection):
            body.setdefault(name, caller.user_id)
    data = field_values.apply(collection, body)
    _check_relations(collection, data)
    _autodates(collection, data, creating=True)
    extra = {"_tokenKey": ids.random_token()} if collection.name == USERS else None
    item = items.new_item(collection.id, collection.name, data, record_id=record_id, extra=extra,
                          collection=collection)
    rule = _rule(collection, "createRule", caller, caller.context(body=body))
    if not filter_eval.evaluate(rule, item):
        raise BadRequest("Failed to create record.")
    content_check.apply(collection, item["data"], caller)
    file_ops, _ = file_fields.changes(collection, record_id, data)
    try:
        table.transact([table.put_op(item, condition="attribute_not_exists(pk)")]
                       + _counter_ops(collection, item, 1) + file_ops)
    except TransactionFailed as exc:
        if exc.reasons and exc.reasons[0] == "ConditionalCheckFailed":
            raise BadRequest("Failed to create record.", {"id": field_error(
                "validation_not_unique", "The record id is already taken.")}) from None
        if exc.condition_failed:  # an upload ticket was consumed meanwhile (the same file attached twice)
            raise BadRequest("Failed to create record: a file was already attached elsewhere.") from None
        raise
    logs.event("record_created", collection=collection.name, record=record_id)
    return _render(collection, item, caller)


def _autodates(collection, data, creating):
    now = clock.pb_datetime()
    for name, f in collection.autodates.items():
        if name not in ("created", "updated") and (f.opt("onUpdate") or (creating and f.opt("onCreate"))):
            data[name] = now


def _counter_scopes(collection, item):
    if collection.name in query.COUNTED_EXCLUDED:
        return []
    scopes = [""]
    for index in collection.indexes:
        values = items.index_values(index, item["data"])
        if values is not None:
            scopes.append(f"{index.name}#{items.encode_index_values(values)}")
    return scopes


def _counter_ops(collection, item, delta, scopes=None):
    return [table.update_op(keys.record_counter(collection.name, scope), "ADD #n :d", names={"#n": "n"},
                            values={":d": delta})
            for scope in (_counter_scopes(collection, item) if scopes is None else scopes)]


def _check_relations(collection, data, old=None):
    """Every related id exists (`validation_missing_rel_records`); only changed values are checked."""
    errors, wanted = {}, []
    for name, f in collection.fields.items():
        if f.type != "relation":
            continue
        values = data.get(name) or []
        values = values if isinstance(values, list) else [values]
        previous = (old or {}).get(name) or []
        previous = previous if isinstance(previous, list) else [previous]
        new = [v for v in values if v not in previous]
        wanted.extend((name, f.target, v) for v in new)
    if not wanted:
        return
    if len(wanted) > 100:
        raise BadRequest("Too many related records in one request.")
    unique = dict.fromkeys((t, v) for _, t, v in wanted)  # BatchGetItem rejects duplicate keys
    found = {(i["collectionName"], i["id"]) for i in table.batch_get([keys.record(t, v) for t, v in unique])}
    for name, target, value in wanted:
        if (target, value) not in found:
            errors[name] = field_error("validation_missing_rel_records", "Failed to find all relation records with "
                                       "the provided ids.")
    if errors:
        raise BadRequest("Failed to save record.", errors)


# --- update -------------------------------------------------------------------------------------------------

def _writable(collection, record_id, rule_name, caller, body=None):
    """The stored record and its bound update/delete rule; 404 when it is absent or the rule denies it."""
    item = table.get(keys.record(collection.name, record_id))
    if item is None:
        raise NotFound()
    rule = _rule(collection, rule_name, caller, caller.context(body=body, old=item.get("data", {})))
    if not filter_eval.evaluate(rule, item):
        raise NotFound()
    return item, rule


def update(collection_name, record_id, body, caller):
    collection = _collection(collection_name)
    if not ids.is_valid_id(record_id):
        raise NotFound()
    for attempt in range(MAX_WRITE_ATTEMPTS):
        item, rule = _writable(collection, record_id, "updateRule", caller, body)
        data = field_values.apply(collection, body, old=item.get("data", {}))
        _check_relations(collection, data, old=item.get("data", {}))
        content_check.apply(collection, data, caller, old=item.get("data", {}))
        _autodates(collection, data, creating=False)
        file_ops, removed_files = file_fields.changes(collection, record_id, data, old=item.get("data", {}))
        try:
            updated = _write_update(collection, item, data, rule, file_ops)
        except (ConditionFailed, TransactionFailed) as exc:
            if isinstance(exc, TransactionFailed) and not exc.condition_failed:
                raise
            _backoff(attempt)  # lost a race: re-read and try again
            continue
        file_fields.discard(collection, record_id, removed_files)
        return _render(collection, updated, caller)
    logs.event("record_update_conflict", collection=collection.name, record=record_id)
    raise Conflict()


def _write_update(collection, item, data, rule, extra_ops=()):
    now = clock.pb_datetime()
    new = dict(item, data=data, updated=now if "updated" in collection.autodates else item.get("updated"),
               v=item.get("v", 1) + 1)
    for name in list(new):
        if re.match(r"^g\d+(pk|sk)$", name):
            del new[name]
    attributes = items.index_attributes(collection, new)
    new.update(attributes)
    b = Builder()
    sets = [f"{b.name('data')} = {b.value(data)}", f"{b.name('updated')} = {b.value(new['updated'])}",
            f"{b.name('v')} = {b.value(new['v'])}"]
    sets += [f"{b.name(k)} = {b.value(v)}" for k, v in attributes.items() if item.get(k) != v]
    removed = [b.name(k) for k in item if re.match(r"^g\d+(pk|sk)$", k) and k not in attributes]
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removed) if removed else "")
    condition = f"{b.name('v')} = {b.value(item.get('v', 1))}"
    if rule != ("const", True):
        condition += f" AND {b.compile(rule)}"
    old_scopes, new_scopes = _counter_scopes(collection, item), _counter_scopes(collection, new)
    gone = [s for s in old_scopes if s not in new_scopes]
    added = [s for s in new_scopes if s not in old_scopes]
    key = keys.record(collection.name, item["id"])
    if gone or added or extra_ops:
        table.transact([table.update_op(key, expression, condition=condition, names=b.names, values=b.values)]
                       + _counter_ops(collection, item, -1, gone) + _counter_ops(collection, new, 1, added)
                       + list(extra_ops))
        return new
    return table.update(key, expression, condition=condition, names=b.names, values=b.values)


def _backoff(attempt):
    """Full-jitter exponential backoff between optimistic-write attempts (10 ms doubling, at most 320 ms)."""
    time.sleep(random.uniform(0, 0.01 * (2 ** min(attempt, 5))))


# --- delete -------------------------------------------------------------------------------------------------

def delete(collection_name, record_id, caller):
    collection = _collection(collection_name)
    if not ids.is_valid_id(record_id):
        raise NotFound()
    for attempt in range(MAX_WRITE_ATTEMPTS):
        item, rule = _writable(collection, record_id, "deleteRule", caller)
        b = Builder()
        condition = f"{b.name('v')} = {b.value(item.get('v', 1))}"
        if rule != ("const", True):
            condition += f" AND {b.compile(rule)}"
        key = keys.record(collection.name, record_id)
        actions, cascaded = cascade.delete_actions(
            collection, item, table.delete_op(key, condition=condition, names=b.names, values=b.values))
        try:
            table.transact(actions)
        except TransactionFailed as exc:
            if not exc.condition_failed:
                raise
            _backoff(attempt)
            continue
        logs.event("record_deleted", collection=collection.name, record=record_id)
        cascade.discard_files([(collection, item)] + cascaded)
        return None
    raise Conflict()


# --- rendering: expand and fields ---------------------------------------------------------------------------

def _render(collection, item, caller):
    return items.render(item, collection, viewer_id=caller.user_id, is_admin=caller.is_admin)


def _expand(collection, records, stored, expand, caller, depth=1):
    """PocketBase's `expand`: relation paths (`post`, `post.owner`), only to records the caller may view."""
    if not expand:
        return
    paths = [p.strip() for p in str(expand).split(",") if p.strip()]
    if len(paths) > MAX_EXPAND_PATHS:
        raise BadRequest("Too many expand paths.")
    tree = {}
    for path in paths:
        parts = path.split(".")
        if len(parts) > MAX_EXPAND_DEPTH:
            raise BadRequest(f"Expand paths are at most {MAX_EXPAND_DEPTH} levels deep.")
        node = tree
        for part in parts:
            node = node.setdefault(part, {})
    _expand_tree(collection, records, stored, tree, caller)


def _expand_tree(collection, records, stored, tree, caller):
    schema = get_schema()
    for name, subtree in tree.items():
        f = collection.fields.get(name)
        if f is None or f.type != "relation":
            continue  # PocketBase ignores what it can't expand
        target = schema.get(f.target)
        wanted = []
        for item in stored:
            values = item.get("data", {}).get(name) or []
            wanted.extend(values if isinstance(values, list) else [values])
        wanted = list(dict.fromkeys(wanted))[:100]
        if not wanted:
            continue
        try:
            rule = _rule(target, "viewRule", caller, caller.context())
        except Forbidden:
            continue
        found = {i["id"]: i for i in table.batch_get([keys.record(target.name, v) for v in wanted])
                 if filter_eval.evaluate(rule, i)}
        targets = list(found.values())
        rendered = {i["id"]: _render(target, i, caller) for i in targets}
        if subtree:
            ordered = [rendered[i["id"]] for i in targets]
            _expand_tree(target, ordered, targets, subtree, caller)
        for record, item in zip(records, stored):
            values = item.get("data", {}).get(name)
            if isinstance(values, list):
                linked = [rendered[v] for v in values if v in rendered]
                if linked:
                    record.setdefault("expand", {})[name] = linked
            elif values in rendered:
                record.setdefault("expand", {})[name] = rendered[values]


_EXCERPT = re.compile(r"^(\w+):excerpt\((\d+)(?:,\s*(true|false))?\)$")


def _pick(record, fields):
    """PocketBase's `fields`: a comma list of names, `*`, `expand.<path>` and `name:excerpt(max,ellipsis)`."""
    if not fields:
        return record
    out, wanted = {}, [f.strip() for f in str(fields).split(",") if f.strip()]
    for spec in wanted:
        if spec == "*":
            out.update({k: v for k, v in record.items() if k != "expand"})
        elif spec == "expand" or spec.startswith("expand."):
            if "expand" in record:
                out["expand"] = record["expand"]
        elif _EXCERPT.match(spec):
            name, size, ellipsis = _EXCERPT.match(spec).groups()
            if isinstance(record.get(name), str):
                text = re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", record[name])).strip()
                cut = text[:int(size)]
                out[name] = cut + ("..." if ellipsis == "true" and len(text) > len(cut) else "")
        elif spec in record:
            out[spec] = record[spec]
    return out


# --- files: who may upload to or fetch from a record's file field ----------------------------------------------

def file_upload_target(collection_name, record_id, field_name, caller):
    """(collection, field, record id) when the caller may put a file into that record field.

    An existing record needs its updateRule (404 when denied, as PocketBase hides it); a new record (no id, or an
    id not taken yet) needs the createRule, evaluated on a record whose owner-style relations are the caller
    (400 when denied). The record write that attaches the file checks its rule again with the real body."""
    collection = _collection(collection_name)
    f = collection.fields.get(field_name)
    if f is None or f.type != "file":
        raise BadRequest("field must name a file field of the collection.",
                         {"field": field_error("validation_invalid_value", "Not a file field of this collection.")})
    if record_id in (None, ""):
        record_id, item = ids.new_id(), None
    elif not ids.is_valid_id(record_id):
        raise BadRequest("recordId must be 15 characters of a-z and 0-9.",
                         {"recordId": field_error("validation_invalid_format", "Invalid record id.")})
    else:
        item = table.get(keys.record(collection.name, record_id))
    if item is not None:
        rule = _rule(collection, "updateRule", caller, caller.context(old=item.get("data", {})))
        if not filter_eval.evaluate(rule, item):
            raise NotFound()
        return collection, f, record_id
    if not caller.is_admin and collection.rules["createRule"] is None:
        raise Forbidden("Only admins can perform this request.")
    body = {name: caller.user_id for name in _owner_fields(collection)} if caller.auth else {}
    prospective = items.new_item(collection.id, collection.name, body, record_id=record_id, collection=collection)
    rule = _rule(collection, "createRule", caller, caller.context(body=body))
    if not filter_eval.evaluate(rule, prospective):
        raise BadRequest("You are not allowed to upload files to this collection.")
    return collection, f, record_id


def visible_file(collection_name, record_id, filename, caller):
    """(collection, field, public) for a file of a record; 404 unless the record holds that file and, for a
    non-public file, the caller passes the viewRule. Public = the collection's viewRule is "" and the field is
    not `protected`."""
    collection = _collection(collection_name)
    item = table.get(keys.record(collection.name, record_id), consistent=False) if ids.is_valid_id(record_id) else None
    f = file_fields.field_holding(collection, item.get("data", {}), filename) if item else None
    if f is None:
        raise NotFound()
    public = collection.rules["viewRule"] == "" and not f.opt("protected")
    if not public:
        rule = _rule(collection, "viewRule", caller, caller.context())
        if not filter_eval.evaluate(rule, item):
            raise NotFound()
    return collection, f, public
