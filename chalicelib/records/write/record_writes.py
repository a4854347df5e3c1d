"""PocketBase's create, update and delete: `POST|PATCH|DELETE /api/collections/{c}/records[/{id}]`.

Update and delete are each one conditional write carrying the record's version and the bound rule, so a concurrent
writer can't be overwritten silently: a lost race re-reads and retries with jittered backoff, then answers 409.
Creates and deletes move the counters, consume upload tickets and apply relation cascades in the same transaction
(records/store.py builds the actions). A value a UNIQUE index already holds fails the transaction on its marker:
a 400 with `validation_not_unique` on each of the index's fields, as PocketBase answers. The team's before hooks
(records/write/hooks.py) run after the rule passed and before the body is validated, once per attempt.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from chalicelib.core import clock, ids, logs
from chalicelib.core.errors import BadRequest, Conflict, NotFound, field_error
from chalicelib.files import uploads
from chalicelib.records import access, sessions, store
from chalicelib.records.filter import evaluate
from chalicelib.records.filter.parser import parse
from chalicelib.records.filter.tree import Compare, Ident, Node, Op, conjuncts
from chalicelib.records.layout import USER_PHONE, USER_TOKEN_KEY
from chalicelib.records.moderation import image_check, text_check
from chalicelib.records.query import render
from chalicelib.records.schema import fields as field_values
from chalicelib.records.schema.fields import field_type
from chalicelib.records.schema.fields.base import as_text
from chalicelib.records.schema.model import USERS, Collection, UniqueIndex
from chalicelib.records.write import cascade, file_fields, hooks
from chalicelib.store import audit, identities

MAX_WRITE_ATTEMPTS = 12
MAX_JOINED_CHECKS = 40  # related records a rule joined, checked unchanged in the write's transaction
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
                if f and field_type(f).relates and f.target == USERS:
                    found.append(side.name)
    return found


AUTH_MANAGED = ("email", "verified")  # an auth record's own user may not change these (PocketBase's manage access)


def _submitted(collection: Collection, body: dict[str, Any], caller: access.Caller) -> dict[str, Any]:
    """The body as the write sees it: hidden fields are for admins only (PocketBase drops them for others)."""
    if caller.is_admin:
        return dict(body)
    hidden = {name for name, f in collection.fields.items() if f.hidden}
    return {k: v for k, v in body.items() if k.lstrip("+").rstrip("+-") not in hidden}


def _auth_managed(collection: Collection, data: dict[str, Any], old: dict[str, Any] | None,
                  caller: access.Caller) -> None:
    """In an auth collection only admins change `email` and `verified` (PocketBase: validation_values_mismatch);
    a user's email changes through confirmation only, which WeChat users don't have."""
    if caller.is_admin or not collection.is_auth:
        return
    errors = {}
    for name in AUTH_MANAGED:
        if name not in collection.fields or (old is None and name == "email"):
            continue
        before = (old or {}).get(name, field_values.zero(collection.fields[name]))
        if data.get(name) != before:
            errors[name] = field_error("validation_values_mismatch", "Values don't match.")
    if errors:
        raise BadRequest("Failed to save record.", errors)


def submitted_id(value: Any) -> Any:
    """The id a body sends, read as PocketBase's text id reads it: a JSON number is its digits
    (123456789012345 → "123456789012345"), null is ""."""
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return as_text(value)
    return value


def _id_error(record_id: Any) -> dict[str, str]:
    """PocketBase's id is a text field of exactly 15 characters of a-z and 0-9."""
    if isinstance(record_id, str) and len(record_id) < ids.ID_LENGTH:
        return field_error("validation_min_text_constraint", f"Must be at least {ids.ID_LENGTH} character(s).")
    if isinstance(record_id, str) and len(record_id) > ids.ID_LENGTH:
        return field_error("validation_max_text_constraint", f"Must be no more than {ids.ID_LENGTH} character(s).")
    return field_error("validation_invalid_format", "Invalid value format.")


def create(collection_name: str, body: dict[str, Any], caller: access.Caller,
           params: dict[str, Any] | None = None) -> dict[str, Any]:
    collection = access.collection(collection_name)
    changes = store.Changes()
    staged = stage_create(collection, body, caller, changes)
    try:
        changes.commit()
    except store.WriteRejected as exc:
        raise create_rejected(changes, staged, exc.positions) from None
    staged.done()
    return answer(staged, caller, params)


@dataclass
class Staged:
    """One record write added to a transaction (a store.Changes), and what follows once that is committed.
    `position` is the record's own action in the transaction; `actions` the positions this write added."""

    action: str
    collection: Collection
    record_id: str
    record: store.StoredRecord | None  # as stored after the write (None: deleted)
    position: int
    actions: range = range(0)
    late: dict[str, Any] | None = None  # an audit entry that didn't fit the transaction
    removed_files: list[str] = field(default_factory=list)
    cascaded: list[tuple[Collection, store.StoredRecord]] = field(default_factory=list)
    deleted: store.StoredRecord | None = None

    def done(self) -> None:
        """After the commit: the audit entry that didn't fit, files no record holds any more, logs."""
        if self.late:
            audit.write(self.late)
        if self.action == "create":
            logs.event("record_created", collection=self.collection.name, record=self.record_id)
        elif self.action == "update":
            file_fields.discard(self.collection, self.record_id, self.removed_files)
        else:
            logs.event("record_deleted", collection=self.collection.name, record=self.record_id)
            if self.collection.name == USERS:
                sessions.forget(self.record_id)  # its tokens end with it
            assert self.deleted is not None
            cascade.discard_files([(self.collection, self.deleted)] + self.cascaded)


def stage_create(collection: Collection, body: dict[str, Any], caller: access.Caller, changes: store.Changes,
                 pending: frozenset[tuple[str, str]] = frozenset()) -> Staged:
    """Check and add one create to `changes` (`pending`: records created earlier in the same transaction)."""
    start = changes.next_position()
    access.require_rule(collection, "createRule", caller)
    record_id = submitted_id(body.get("id"))
    if record_id == "":
        record_id = ids.new_id()
    elif not ids.is_valid_id(record_id):
        raise BadRequest("Failed to create record.", {"id": _id_error(record_id)})
    if (collection.name, record_id) in changes.present():  # created earlier in the same transaction
        raise _id_taken()
    body = _submitted(collection, body, caller)
    if caller.user_id and not caller.is_admin:
        for name in owner_fields(collection):
            body.setdefault(name, caller.user_id)
    # like PocketBase, the create rule is checked before the fields are validated (a refused create names no field)
    draft, resolved = field_values.apply(collection, body, lenient=True)
    rule = access.rule(collection, "createRule", caller, caller.context(body=resolved))
    if not access.allows(rule, store.new(collection, draft, record_id=record_id), caller):
        raise BadRequest("Failed to create record.")
    body = hooks.before("create", collection, record_id, body, None, caller)
    data, resolved = _applied(collection, body, None, pending)
    _auth_managed(collection, data, None, caller)
    check_relations(collection, data, pending=pending)
    _autodates(collection, data, creating=True)
    private = {USER_TOKEN_KEY: ids.random_token()} if collection.name == USERS else None
    record = store.new(collection, data, record_id=record_id, private=private)
    text_check.apply(collection, record.data, caller)
    file_fields.attach(changes, collection, record_id, record.data, owner=_ticket_owner(caller),
                       is_admin=caller.is_admin)  # verifies new files before they are checked
    image_check.apply(collection, record_id, record.data, caller)
    position = changes.create(collection, record)
    late = audited(changes, caller, "create", collection, record_id, sorted(set(body) & set(collection.fields)))
    return Staged("create", collection, record_id, record, position, range(start, changes.next_position()), late)


def create_rejected(changes: store.Changes, staged: Staged, positions: list[int]) -> BadRequest:
    """The 400 for a create whose transaction failed a condition at `positions`."""
    if staged.position in positions:
        return _id_taken()
    if changes.not_unique(positions):
        return not_unique("Failed to create record.", changes.not_unique(positions))
    # an upload ticket was consumed meanwhile (the same file attached twice)
    return BadRequest("Failed to create record: a file was already attached elsewhere.")


def _id_taken() -> BadRequest:
    return BadRequest("Failed to create record.", {"id": field_error(
        "validation_not_unique", "The record id is already taken.")})


def answer(staged: Staged, caller: access.Caller, params: dict[str, Any] | None) -> dict[str, Any]:
    assert staged.record is not None
    return _answer(staged.collection, staged.record, caller, params)


def _answer(collection: Collection, record: store.StoredRecord, caller: access.Caller,
            params: dict[str, Any] | None) -> dict[str, Any]:
    """The written record as a view answers it: `expand` and `fields` apply (PocketBase enriches write answers)."""
    out = render.for_caller(collection, record, caller)
    params = params or {}
    render.expand(collection, [out], [record], params.get("expand"), caller)
    return render.pick(out, params.get("fields"))


def _autodates(collection: Collection, data: dict[str, Any], creating: bool) -> None:
    now = clock.pb_datetime()
    for name, f in collection.autodates.items():
        if name not in ("created", "updated") and (f.opt("onUpdate") or (creating and f.opt("onCreate"))):
            data[name] = now


def _applied(collection: Collection, body: dict[str, Any], old: dict[str, Any] | None,
             pending: frozenset[tuple[str, str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """field_values.apply, with a missing relation record named beside the body's other field errors: one 400
    listing them all, as PocketBase's."""
    try:
        return field_values.apply(collection, body, old=old)
    except BadRequest as exc:
        data, _ = field_values.apply(collection, body, old=old, lenient=True)
        checkable = {name: value for name, value in data.items() if name not in exc.data}
        missing = missing_relations(collection, checkable, old=old, pending=pending)
        raise BadRequest(exc.message, {**missing, **exc.data}) from None


def check_relations(collection: Collection, data: dict[str, Any], old: dict[str, Any] | None = None,
                    pending: frozenset[tuple[str, str]] = frozenset()) -> None:
    """Every related id exists (`validation_missing_rel_records`) or is created in the same transaction
    (`pending`); only changed values are checked."""
    errors = missing_relations(collection, data, old=old, pending=pending)
    if errors:
        raise BadRequest("Failed to save record.", errors)


def missing_relations(collection: Collection, data: dict[str, Any], old: dict[str, Any] | None = None,
                      pending: frozenset[tuple[str, str]] = frozenset()) -> dict[str, dict[str, str]]:
    """The relation fields naming a record that neither exists nor is created in the same transaction."""
    wanted: list[tuple[str, str, str]] = []
    for name, f in collection.fields.items():
        if not field_type(f).relates:
            continue
        values = data.get(name) or []
        values = values if isinstance(values, list) else [values]
        previous = (old or {}).get(name) or []
        previous = previous if isinstance(previous, list) else [previous]
        wanted.extend((name, f.target, v) for v in values if v not in previous and (f.target, v) not in pending)
    if not wanted:
        return {}
    if len(wanted) > MAX_RELATIONS:
        raise BadRequest("Too many related records in one request.")
    found = {(r.collection_name, r.id) for r in store.get_many((t, v) for _, t, v in wanted)}
    return {name: field_error("validation_missing_rel_records",
                              "Failed to find all relation records with the provided ids.")
            for name, target, value in wanted if (target, value) not in found}


def update(collection_name: str, record_id: str, body: dict[str, Any], caller: access.Caller,
           params: dict[str, Any] | None = None) -> dict[str, Any]:
    collection = access.collection(collection_name)
    access.require_rule(collection, "updateRule", caller)
    if not ids.is_valid_id(record_id):
        raise NotFound()
    for attempt in range(MAX_WRITE_ATTEMPTS):
        changes = store.Changes()
        staged = stage_update(collection, record_id, body, caller, changes)
        try:
            changes.commit()
        except store.WriteRejected as exc:
            error = update_rejected(changes, staged, exc.positions)
            if error:
                raise error from None
            backoff(attempt)  # lost a race (version, rule or an upload ticket): re-read and try again
            continue
        staged.done()
        return answer(staged, caller, params)
    logs.event("record_update_conflict", collection=collection.name, record=record_id)
    raise Conflict()


def stage_update(collection: Collection, record_id: str, body: dict[str, Any], caller: access.Caller,
                 changes: store.Changes, pending: frozenset[tuple[str, str]] = frozenset()) -> Staged:
    """Read, check and add one update to `changes` (one attempt: a lost race is retried by the caller)."""
    start = changes.next_position()
    access.require_rule(collection, "updateRule", caller)
    if not ids.is_valid_id(record_id):
        raise NotFound()
    body = _submitted(collection, body, caller)
    found = changes.get(collection.name, record_id)  # as an earlier write of the same transaction left it
    if found is None:
        raise access.missing(collection)
    data, resolved = field_values.apply(collection, body, old=found.data, lenient=True)
    old, rule = access.writable(collection, record_id, "updateRule", caller, resolved, record=found)
    if "id" in body and submitted_id(body["id"]) != record_id:
        raise BadRequest("Failed to update record.", {"id": field_error(
            "validation_pk_change", "The record primary key cannot be changed.")})
    submitted = hooks.before("update", collection, record_id, body, old, caller)
    data, _ = _applied(collection, submitted, old.data, pending)
    _auth_managed(collection, data, old.data, caller)
    check_relations(collection, data, old=old.data, pending=pending)
    text_check.apply(collection, data, caller, old=old.data)
    _autodates(collection, data, creating=False)
    removed = file_fields.attach(changes, collection, record_id, data, old=old.data, owner=_ticket_owner(caller),
                                 is_admin=caller.is_admin)
    image_check.apply(collection, record_id, data, caller, old=old.data)
    record = changes.update(collection, old, data, condition=rule)
    position = changes.position(collection.name, record_id)
    _joined_unchanged(changes, rule, caller)
    changed = [n for n in set(data) | set(old.data) if data.get(n) != old.data.get(n)]
    late = audited(changes, caller, "update", collection, record_id, changed)
    return Staged("update", collection, record_id, record, position, range(start, changes.next_position()), late,
                  removed_files=removed)


def update_rejected(changes: store.Changes, staged: Staged, positions: list[int]) -> BadRequest | None:
    """The 400 for an update whose transaction failed on a taken unique value; None for a lost race (retry)."""
    if changes.not_unique(positions) and staged.position not in positions:
        return not_unique("Failed to update record.", changes.not_unique(positions))
    return None


def delete(collection_name: str, record_id: str, caller: access.Caller) -> None:
    collection = access.collection(collection_name)
    access.require_rule(collection, "deleteRule", caller)
    if not ids.is_valid_id(record_id):
        raise NotFound()
    for attempt in range(MAX_WRITE_ATTEMPTS):
        changes = store.Changes()
        staged = stage_delete(collection, record_id, caller, changes)
        try:
            changes.commit()
        except store.WriteRejected as exc:
            error = delete_rejected(changes, exc.positions)
            if error:
                raise error from None
            backoff(attempt)
            continue
        staged.done()
        return None
    raise Conflict()


def stage_delete(collection: Collection, record_id: str, caller: access.Caller, changes: store.Changes,
                 alone: bool = True) -> Staged:
    """Read, check and add one delete (with its relation cascade) to `changes`. A cascade too large for one
    transaction commits its earlier part here when the delete is `alone`; beside other writes (a batch) it is a
    400 instead, so nothing is committed before the batch's transaction."""
    start = changes.next_position()
    access.require_rule(collection, "deleteRule", caller)
    if not ids.is_valid_id(record_id):
        raise NotFound()
    found = changes.get(collection.name, record_id)  # as an earlier write of the same transaction left it
    if found is None:
        raise access.missing(collection)
    record, rule = access.writable(collection, record_id, "deleteRule", caller, record=found)
    hooks.before("delete", collection, record_id, {}, record, caller)
    position, cascaded = cascade.stage(cascade.plan(collection, record, cascade.referencing_within(changes)),
                                        collection, record, rule, changes, alone)
    if collection.name == USERS:
        _release_markers(changes, record, alone)
    _joined_unchanged(changes, rule, caller)
    late = audited(changes, caller, "delete", collection, record_id, None)
    return Staged("delete", collection, record_id, None, position, range(start, changes.next_position()), late,
                  cascaded=cascaded, deleted=record)


def delete_rejected(changes: store.Changes, positions: list[int]) -> BadRequest | None:
    """The 400 for a delete whose cascade would clear references into a taken unique value; None: retry."""
    if changes.not_unique(positions):
        return not_unique("Failed to delete record: clearing its references breaks a unique index.",
                          changes.not_unique(positions))
    return None


def _ticket_owner(caller: access.Caller) -> str:
    return uploads.ticket_owner(caller.user_id, caller.admin, caller.is_admin)


def _release_markers(changes: store.Changes, user: store.StoredRecord, alone: bool) -> None:
    """A deleted user lets go of everything that named it (identities, unionid link, phone marker) in the delete's
    own transaction, so the same person can sign up again and bind their phone. Markers that don't fit beside a
    large cascade are released just before it (`alone`: the transaction holds this delete only; in a batch the
    transaction's size check refuses it instead)."""
    releases = identities.release_ops(user.id, user.private.get(USER_PHONE))
    if alone and len(changes) + len(releases) > store.MAX_ACTIONS:
        early = store.Changes()
        for action in releases:
            early.add(action)
        early.commit()
        return
    for action in releases:
        changes.add(action)


def _joined_unchanged(changes: store.Changes, rule: Node, caller: access.Caller) -> None:
    """A rule that joins other records (`post.owner = @request.auth.id`) held on the versions read: the write
    checks they are unchanged, as the record's own version covers the record."""
    if not any(ref.path for ref in evaluate.field_refs(rule)):
        return
    for related in caller.related().loaded()[:MAX_JOINED_CHECKS]:
        if (related.collection_name, related.id) not in changes.touched:
            changes.unchanged(related)


def audited(changes: store.Changes, caller: access.Caller, action: str, collection: Collection, record_id: str,
            fields: list[str] | None) -> dict[str, Any] | None:
    """A named admin's change carries its audit entry (who, what, which fields: never values) in its own
    transaction. Returns the entry instead when the transaction is full, to be written right after it."""
    if not caller.is_admin or caller.admin is None:
        return None
    item = audit.entry(caller.admin, action, collection.name, record_id, fields,
                       {"reason": caller.reason} if caller.reason else None)
    if len(changes) >= store.MAX_ACTIONS:
        return item
    changes.add(audit.put_op(item))
    return None


def not_unique(message: str, taken: list[UniqueIndex]) -> BadRequest:
    """PocketBase's answer to a UNIQUE constraint failure: each column of the failed index is not unique. SQLite
    names one index, the last declared of those that failed, and so does this."""
    return BadRequest(message, {name: field_error("validation_not_unique", "Value must be unique.")
                                for name in taken[-1].columns})


def backoff(attempt: int) -> None:
    """Full-jitter exponential backoff between optimistic-write attempts (10 ms doubling, at most 640 ms)."""
    time.sleep(random.uniform(0, 0.01 * (2 ** min(attempt, 6))))
