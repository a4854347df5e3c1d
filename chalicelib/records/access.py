"""Who is asking, and what the collection's rules let them do.

Rules as PocketBase applies them: `null` → 403 for non-admins; the list rule filters (200 with fewer items); a
failed view/update/delete rule is 404 (the record is not disclosed); a failed create rule is 400. Admin keys
bypass rules. A bound rule is a filter tree over the record's own fields: it is evaluated in Python for views and
creates, and compiled into the ConditionExpression of updates and deletes, so it holds at the moment of the write.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.core import ids
from chalicelib.core.auth_tokens import USERS_COLLECTION_ID
from chalicelib.core.errors import Forbidden, NotFound
from chalicelib.records import shard_map, store
from chalicelib.records.filter import bind, evaluate
from chalicelib.records.filter.tree import TRUE, Node
from chalicelib.records.query import joins
from chalicelib.records.schema.collections import get_schema
from chalicelib.records.schema.model import USERS, Collection


class Auth:
    """The caller's user for `@request.auth.*`: the id comes from the verified token; other fields are read
    from the user record on first use (one GetItem, only for rules that need them)."""

    def __init__(self, user_id: str) -> None:
        self.id = user_id
        self._record: store.StoredRecord | None = None
        self._read = False

    def known(self, record: store.StoredRecord) -> None:
        """The user record, already read for this request (the session check)."""
        if record.id == self.id:
            self._record, self._read = record, True

    def record(self) -> store.StoredRecord | None:
        """The user record (read on first use)."""
        if not self._read:
            self._record, self._read = store.get(USERS, self.id, consistent=False), True
        return self._record

    def value(self, name: str) -> Any:
        if name == "id":
            return self.id
        if name == "collectionId":
            return USERS_COLLECTION_ID
        if name == "collectionName":
            return USERS
        record = self.record()
        return record.value(name) if record else ""


@dataclass
class Caller:
    """An admin, a signed-in user (with the app their token was issued for) or a guest, and the request's values
    that rules may read (`@request.query.*`, `@request.headers.*`, `@request.method`)."""

    user_id: str | None = None
    is_admin: bool = False
    query: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    method: str = "GET"
    appid: str | None = None  # the app the user's token was issued for (content checks run as that identity)
    memo: dict = field(default_factory=dict)  # per-request results a retried write must not recompute
    admin: str | None = None  # the admin's name (named admin keys), written to the audit trail with each change
    reason: str = ""  # why an admin changes a record (e.g. "moderation"), kept with the audit entry

    def __post_init__(self) -> None:
        self.auth = Auth(self.user_id) if self.user_id else None

    @property
    def scope(self) -> str:
        """Whose view of the data a query is (page markers are kept per scope)."""
        return "admin" if self.is_admin else (self.user_id or "guest")

    def context(self, body: dict | None = None, old: dict | None = None) -> bind.Context:
        return bind.Context(auth=self.auth, body=body or {}, query=self.query, method=self.method,
                            headers=self.headers, old=old or {}, admin=self.is_admin, record=_record_values)

    def related(self) -> joins.RecordJoins:
        """The records this request's filters and rules join, read once per request."""
        found = self.memo.get("joins")
        if found is None:
            found = self.memo["joins"] = joins.RecordJoins(self.context())
        return found


def _record_values(collection_name: str, record_id: str) -> dict | None:
    """A stored record's values with its id and dates, as a rule reads a related record's fields."""
    found = store.get(collection_name, record_id) if ids.is_valid_id(record_id) else None
    if found is None:
        return None
    return {**found.data, "id": found.id, "created": found.created, "updated": found.updated}


def collection(name: str) -> Collection:
    """The collection by name or id; 404 as PocketBase answers for an unknown one, 503 while its collections file
    forgets a write-shard count its records were written with (records/shard_map.py)."""
    found = get_schema().get(name)
    if found is None:
        raise NotFound("Missing collection context.")
    shard_map.check(found)
    return found


def require_rule(coll: Collection, name: str, caller: Caller) -> None:
    """403 for a locked (`null`) rule unless the caller is an admin."""
    if not caller.is_admin and coll.rules[name] is None:
        raise Forbidden("Only admins can perform this request.")


def rule(coll: Collection, name: str, caller: Caller, ctx: bind.Context) -> Node:
    """The bound rule tree (TRUE for admins); 403 for a locked rule."""
    if caller.is_admin:
        return TRUE
    require_rule(coll, name, caller)
    text = coll.rules[name]
    assert text is not None
    return bind.bind(get_schema(), coll, text, ctx, param=name)


def allows(node: Node, record: store.StoredRecord, caller: Caller | None = None) -> bool:
    """Does the record pass a bound rule (joined records read for the caller)?"""
    return evaluate.evaluate(node, record, caller.related() if caller else joins.RecordJoins())


def missing(coll: Collection) -> NotFound:
    """The 404 of a record not found, once the collections file is known not to hide it (a 503 if it forgets a
    write-shard count: records/shard_map.py)."""
    shard_map.absent(coll)
    return NotFound()


def visible(coll: Collection, record_id: str, caller: Caller, consistent: bool = True) -> store.StoredRecord:
    """The stored record when the caller passes the view rule; 404 otherwise."""
    view = rule(coll, "viewRule", caller, caller.context())
    found = store.get(coll.name, record_id, consistent=consistent)
    if found is None:
        raise missing(coll)
    if not allows(view, found, caller):
        raise NotFound()
    return found


def writable(coll: Collection, record_id: str, rule_name: str, caller: Caller, body: dict | None = None,
             record: store.StoredRecord | None = None) -> tuple[store.StoredRecord, Node]:
    """The stored record (`record` when already read) and its bound update/delete rule; 403 for a locked rule
    (before looking), 404 when the record is absent or the rule denies it."""
    require_rule(coll, rule_name, caller)
    found = record or store.get(coll.name, record_id)
    if found is None:
        raise missing(coll)
    bound = rule(coll, rule_name, caller, caller.context(body=body, old=found.data))
    if not allows(bound, found, caller):
        raise NotFound()
    return found, bound
