"""Merging two accounts of one person, only when the caller has proved they own both (two valid tokens).

Merging two different WeChat people (an identity in the same app on both sides, or two different unionids) is
refused with a 409. Otherwise, in this order:
1. Everything the merged-away user owns moves to the kept user: every record whose relation field to users holds
   its id (found through the field's index — the implicit owner index of a single relation — or a bounded read of
   an unindexed multi-valued one), with its files (they belong to the record), and the subscribe messages kept
   for it. At most MAX_MOVED of them, counted before anything changes: a larger merge is a 409 that changes
   nothing. Records move in transactions of up to 100 actions, each conditional on the version read.
2. Last, in one transaction conditioned on each item still pointing where it did: the identities and unionid link
   move, the merged-away user's phone marker is released and the user is deleted (its tokens end with it).
An interrupted merge leaves the merged-away user in place, so the same request again (its token is still valid)
finds what is left and continues. References written while the merge runs are picked up by one more pass after
the final transaction.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.core import logs
from chalicelib.core.errors import BadRequest, Conflict, NotFound
from chalicelib.messages import subscribe
from chalicelib.records.write import cascade
from chalicelib.records.query import joins
from chalicelib.records import sessions, store
from chalicelib.records.schema.model import USERS, Collection, Field
from chalicelib.records.schema.collections import get_schema
from chalicelib.store import identities, keys, table
from chalicelib.users.phone_marker import PHONE_E164, release_op

MAX_LINKS = 90  # one transaction holds at most 100 actions
MAX_MOVED = 1000  # records and messages a merge moves; more is a 409 before anything changes
MAX_ATTEMPTS = 5

Owned = dict[tuple[str, str], tuple[Collection, store.StoredRecord, list[Field]]]


def merge_users(into_id: str, from_id: str) -> None:
    if into_id == from_id:
        raise BadRequest("mergeToken is a token of your own account.")
    into_user, from_user = store.get(USERS, into_id), store.get(USERS, from_id)
    if into_user is None or from_user is None:
        raise NotFound("One of the accounts to merge no longer exists.")
    into_items, from_items = identities.link_items(into_id), identities.link_items(from_id)
    into_apps = {i.get("appid") for i in identities.identities(into_id, into_items)}
    if any(i.get("appid") in into_apps for i in identities.identities(from_id, from_items)):
        raise Conflict("Both accounts have a WeChat identity in the same app; they belong to different people and "
                       "can't be merged.")
    into_union = identities.unionid_of(into_id, into_items)
    from_union = identities.unionid_of(from_id, from_items)
    if into_union and from_union and into_union != from_union:
        raise Conflict("The two accounts belong to different WeChat users and can't be merged.")
    if len(from_items) > MAX_LINKS:
        raise Conflict("The account to merge has too many links to merge at once.")

    owned = owned_records(from_id)
    messages = subscribe.user_messages(from_id, MAX_MOVED)
    if len(owned) + len(messages) > MAX_MOVED:
        raise _too_large()
    moved = move_records(owned, from_id, into_id) + _move_messages(messages, from_id, into_id)
    _finish(into_id, from_id, from_items)
    sessions.forget(from_id)
    late = move_records(owned_records(from_id), from_id, into_id)  # written while the merge ran
    logs.event("users.merged", into=into_id, merged=from_id, links=len(from_items), moved=moved + late)


def owned_records(user_id: str) -> Owned:
    """Every record with a relation field to users holding `user_id`, and those fields. A 409 when they can't be
    found within the bounds (more than MAX_MOVED, or an unindexed relation in a collection too large to read)."""
    found: Owned = {}
    for ref, f in cascade.references(get_schema().users):
        try:
            records = joins.referencing(ref, f, user_id, MAX_MOVED)
        except joins.TooManyReferences:
            raise _too_large() from None
        except BadRequest as exc:
            raise Conflict(f"The account's {ref.name} records can't be found to move them: {exc.message}") from None
        for record in records:
            _, _, fields = found.setdefault((ref.name, record.id), (ref, record, []))
            fields.append(f)
        if len(found) > MAX_MOVED:
            raise _too_large()
    return found


def _too_large() -> Conflict:
    return Conflict(f"The account to merge owns more than {MAX_MOVED} records and messages; an admin can move "
                    "some of them first.")


def _repointed(record: store.StoredRecord, fields: list[Field], from_id: str, into_id: str) -> dict[str, Any]:
    data = dict(record.data)
    for f in fields:
        value = data.get(f.name)
        if isinstance(value, list):
            data[f.name] = list(dict.fromkeys(into_id if v == from_id else v for v in value))
        elif value == from_id:
            data[f.name] = into_id
    return data


def move_records(owned: Owned, from_id: str, into_id: str) -> int:
    """Point every owned record at `into_id`, in transactions of up to 100 actions; a record that changed meanwhile
    is read again. Returns how many records moved."""
    pending = dict(owned)
    moved = 0
    for _ in range(MAX_ATTEMPTS):
        failed: list[tuple[str, str]] = []
        batch: list[tuple[str, str]] = []
        changes = store.Changes()
        for key, (coll, record, fields) in list(pending.items()):
            data = _repointed(record, fields, from_id, into_id)
            if data == record.data:
                pending.pop(key)  # moved meanwhile (or a stale index entry)
                continue
            if len(changes) and len(changes) + changes.cost(coll, record, replace(record, data=data)) \
                    > store.MAX_ACTIONS:
                moved += _commit(changes, batch, pending, failed)
                batch, changes = [], store.Changes()
            changes.update(coll, record, data)
            batch.append(key)
        moved += _commit(changes, batch, pending, failed)
        for key in failed:  # changed meanwhile: read again, and move it if it still points at the merged user
            coll, _, fields = pending[key]
            fresh = store.get(coll.name, key[1])
            if fresh is None:
                pending.pop(key)
            else:
                pending[key] = (coll, fresh, fields)
        if not pending:
            return moved
    raise Conflict("Records of the account to merge kept changing; try again (the merge continues where it "
                   "stopped).")


def _commit(changes: store.Changes, batch: list[tuple[str, str]], pending: Owned,
            failed: list[tuple[str, str]]) -> int:
    """Commit one batch: how many records moved; the batch goes to `failed` when a condition failed."""
    if not batch:
        return 0
    try:
        changes.commit()
    except store.WriteRejected:
        failed.extend(batch)
        return 0
    for key in batch:
        pending.pop(key, None)
    return len(batch)


def _move_messages(messages: list[dict], from_id: str, into_id: str) -> int:
    moved = 0
    for item in messages:
        try:
            table.apply(subscribe.move_op(item, from_id, into_id))
            moved += 1
        except table.ConditionFailed:
            pass  # re-addressed or gone meanwhile
    return moved


def _finish(into_id: str, from_id: str, from_items: list[dict]) -> None:
    """The final transaction: links move, the phone marker is released, the merged-away user is deleted."""
    into_user, from_user = store.get(USERS, into_id), store.get(USERS, from_id)
    if into_user is None or from_user is None:
        raise NotFound("One of the accounts to merge no longer exists.")
    users = get_schema().users
    changes = store.Changes()
    links_pk, _ = keys.gsi_attributes(keys.USER_LINKS_SLOT)
    for item in from_items:
        changes.add(table.update_op(keys.key_of(item), "SET #u = :into, #g = :g", condition="#u = :from",
                                    names={"#u": "user", "#g": links_pk},
                                    values={":into": into_id, ":from": from_id,
                                            ":g": keys.user_links_partition(into_id)}))
    if from_user.private.get(PHONE_E164):
        changes.add(release_op(from_user.private[PHONE_E164], from_id))
    changes.delete(users, from_user)
    changes.update(users, into_user, into_user.data)
    try:
        changes.commit()
    except store.WriteRejected:
        raise Conflict("One of the accounts changed while merging; try again.") from None
