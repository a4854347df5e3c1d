"""PocketBase's create, update and delete: `POST|PATCH|DELETE /api/collections/{c}/records[/{id}]`.

Update and delete are each one conditional write carrying the record's version and the bound rule, so a concurrent
writer can't be overwritten silently: a lost race re-reads and retries with jittered backoff, then answers 409.
Creates and deletes move the counters, consume upload tickets and apply relation cascades in the same transaction
(records/store.py builds the actions).
"""
from __future__ import annotations

import random
import time
from typing import Any

from chalicelib.core import clock, ids, logs
from chalicelib.core.errors import BadRequest, Conflict, NotFound, field_error
from chalicelib.records import access, cascade, content_check, file_fields, render, store
from chalicelib.records import fields as field_values
from chalicelib.records.collections import USERS, Collection
from chalicelib.records.filter_tree import Compare, FieldRef, Ident, Op, conjuncts
from chalicelib.records.filter_parser import parse

MAX_WRITE_ATTEMPTS = 12
MAX_RELATIONS = 100


def owner_fields(collection: Collection) -> list[str]:
    """Relation fields the create rule pins to the caller (`owner = @request.auth.id`): filled in when absent."""
    text = collection.rules["createRule"]
    if not text:
        return []
    found = []
    for term in conjuncts(parse(text, "createRule")):
        if not (isinstance(term, Compare) and term.op == Op.EQ):
            continue
        sides = {term.left, term.right}
        for side in sides:
            if isinstance(side, Ident) and Ident("@request.auth.id") in sides:
                f = collection.fields.get(side.name)
                if f and f.type == "relation" and f.target == USERS:
                    found.append(side.name)
    return found


def create(collection_name: str, body: dict[str, Any], caller: access.Caller) -> dict[str, Any]:
    collection = access.collection(collection_name)
    access.require_rule(collection, "createRule", caller)
    record_id = body.get("id")
    if record_id in (None, ""):
        record_id = ids.new_id()
    elif not ids.is_valid_id(record_id):
        raise BadRequest("Failed to create record.", {"id": field_error(
            "validation_invalid_format", "Must be 15 characters of a-z and 0-9.")})
    body = dict(body)
    if caller.user_id and not caller.is_admin:
        for name in owner_fields(collection):
            body.setdefault(name, caller.user_id)
    data = field_values.apply(collection, body)
    check_relations(collection, data)
    _autodates(collection, data, creating=True)
    private = {"_tokenKey": ids.random_token()} if collection.name == USERS else None
    record = store.new(collection, data, record_id=record_id, private=private)
    rule = access.rule(collection, "createRule", caller, caller.context(body=body))
    if not access.allows(rule, record):
        raise BadRequest("Failed to create record.")
    content_check.apply(collection, record.data, caller)
    changes = store.Changes()
    position = changes.create(collection, record)
    file_fields.attach(changes, collection, record_id, record.data)
    try:
        changes.commit()
    except store.WriteRejected as exc:
        if position in exc.positions:
            raise BadRequest("Failed to create record.", {"id": field_error(
                "validation_not_unique", "The record id is already taken.")}) from None
        # an upload ticket was consumed meanwhile (the same file attached twice)
        raise BadRequest("Failed to create record: a file was already attached elsewhere.") from None
    logs.event("record_created", collection=collection.name, record=record_id)
    return render.for_caller(collection, record, caller)


def _autodates(collection: Collection, data: dict[str, Any], creating: bool) -> None:
    now = clock.pb_datetime()
    for name, f in collection.autodates.items():
        if name not in ("created", "updated") and (f.opt("onUpdate") or (creating and f.opt("onCreate"))):
            data[name] = now


def check_relations(collection: Collection, data: dict[str, Any], old: dict[str, Any] | None = None) -> None:
    """Every related id exists (`validation_missing_rel_records`); only changed values are checked."""
    wanted: list[tuple[str, str, str]] = []
    for name, f in collection.fields.items():
        if f.type != "relation":
            continue
        values = data.get(name) or []
        values = values if isinstance(values, list) else [values]
        previous = (old or {}).get(name) or []
        previous = previous if isinstance(previous, list) else [previous]
        wanted.extend((name, f.target, v) for v in values if v not in previous)
    if not wanted:
        return
    if len(wanted) > MAX_RELATIONS:
        raise BadRequest("Too many related records in one request.")
    found = {(r.collection_name, r.id) for r in store.get_many((t, v) for _, t, v in wanted)}
    errors = {name: field_error("validation_missing_rel_records",
                                "Failed to find all relation records with the provided ids.")
              for name, target, value in wanted if (target, value) not in found}
    if errors:
        raise BadRequest("Failed to save record.", errors)


def update(collection_name: str, record_id: str, body: dict[str, Any], caller: access.Caller) -> dict[str, Any]:
    collection = access.collection(collection_name)
    if not ids.is_valid_id(record_id):
        raise NotFound()
    for attempt in range(MAX_WRITE_ATTEMPTS):
        old, rule = access.writable(collection, record_id, "updateRule", caller, body)
        data = field_values.apply(collection, body, old=old.data)
        check_relations(collection, data, old=old.data)
        content_check.apply(collection, data, caller, old=old.data)
        _autodates(collection, data, creating=False)
        changes = store.Changes()
        record = changes.update(collection, old, data, condition=rule)
        removed = file_fields.attach(changes, collection, record_id, data, old=old.data)
        try:
            changes.commit()
        except store.WriteRejected:
            _backoff(attempt)  # lost a race (version, rule or an upload ticket): re-read and try again
            continue
        file_fields.discard(collection, record_id, removed)
        return render.for_caller(collection, record, caller)
    logs.event("record_update_conflict", collection=collection.name, record=record_id)
    raise Conflict()


def delete(collection_name: str, record_id: str, caller: access.Caller) -> None:
    collection = access.collection(collection_name)
    if not ids.is_valid_id(record_id):
        raise NotFound()
    for attempt in range(MAX_WRITE_ATTEMPTS):
        record, rule = access.writable(collection, record_id, "deleteRule", caller)
        changes, cascaded = cascade.commit_all_but_last(cascade.plan(collection, record), collection, record, rule)
        try:
            changes.commit()
        except store.WriteRejected:
            _backoff(attempt)
            continue
        logs.event("record_deleted", collection=collection.name, record=record_id)
        cascade.discard_files([(collection, record)] + cascaded)
        return None
    raise Conflict()


def _backoff(attempt: int) -> None:
    """Full-jitter exponential backoff between optimistic-write attempts (10 ms doubling, at most 640 ms)."""
    time.sleep(random.uniform(0, 0.01 * (2 ** min(attempt, 6))))
