"""Merging two accounts of one person, only when the caller has proved they own both (two valid tokens).

Everything that lets the merged-away user sign in (identities, unionid link) moves to the kept user and the merged
user is deleted, in one transaction conditioned on each item still pointing where it did. Merging two different
WeChat people (an identity in the same app on both sides, or two different unionids) is refused with a 409.
"""
from __future__ import annotations

from chalicelib.core import logs
from chalicelib.core.errors import BadRequest, Conflict, NotFound
from chalicelib.records import store
from chalicelib.records.collections import USERS, get_schema
from chalicelib.store import identities, keys, table
from chalicelib.users.phone_marker import PHONE_E164, release_op

MAX_LINKS = 90  # one transaction holds at most 100 actions


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
    logs.event("users.merged", into=into_id, merged=from_id, links=len(from_items))
