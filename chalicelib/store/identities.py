"""Reading a user's WeChat identities and unionid link: the items that point at a user, listed under it in gsi2.

Identity items (`keys.identity(appid, openid)`) carry `user`, `appid`, `openid`, `type`, the latest `session_key`
and `sid`; unionid items (`keys.unionid_link`) carry `user` and `unionid`. Writing them is users/'s business; removing
every marker of a user that is being deleted (`release_ops`) goes in the delete's own transaction.
"""
from __future__ import annotations

from typing import Any

from chalicelib.store import keys, table

Item = dict[str, Any]


def link_items(user_id: str) -> list[Item]:
    """Identity and unionid items of a user (gsi2; eventually consistent, so a link made this instant may lag)."""
    partition, _ = keys.gsi_attributes(keys.USER_LINKS_SLOT)
    found: list[Item] = []
    start = None
    while True:
        items, start = table.query("#pk = :pk", names={"#pk": partition},
                                   values={":pk": keys.user_links_partition(user_id)},
                                   index=keys.gsi(keys.USER_LINKS_SLOT), start_key=start)
        found.extend(items)
        if not start:
            return found


def identities(user_id: str, items: list[Item] | None = None) -> list[Item]:
    return [i for i in (link_items(user_id) if items is None else items) if keys.is_identity(i)]


def identity(appid: str, openid: str) -> Item | None:
    return table.get(keys.identity(appid, openid))


def identity_for_app(user_id: str, appid: str) -> Item | None:
    """The user's identity in one app, read consistently (fresh session_key), or None."""
    for item in identities(user_id):
        if item.get("appid") == appid:
            return table.get(keys.key_of(item))
    return None


def unionid_of(user_id: str, items: list[Item] | None = None) -> str | None:
    items = link_items(user_id) if items is None else items
    unionids = {i.get("unionid") for i in items if keys.is_unionid_link(i) and i.get("unionid")}
    return next(iter(unionids), None)


def unionid_owner(unionid: str) -> str | None:
    link = table.get(keys.unionid_link(unionid))
    return link["user"] if link else None


def release_ops(user_id: str, phone_e164: str | None = None) -> list[dict]:
    """Deletes of every marker naming the user: identities, unionid link and phone marker, each conditional on
    still naming the user (absent counts as released), for the transaction that deletes the user."""
    found = [keys.key_of(i) for i in link_items(user_id)]
    if phone_e164:
        found.append(keys.phone_link(phone_e164))
    return [table.delete_op(key, condition="attribute_not_exists(pk) OR #u = :me", names={"#u": "user"},
                            values={":me": user_id}) for key in found]
