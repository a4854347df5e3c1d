"""A user's WeChat identities across this deployment's apps: list, attach, detach, and unionid links.

Every identity (`ID#<appid>#<openid>`) and unionid item (`UNION#<unionid>`) points at one user and is listed under
it in gsi2 (store/identities.py reads them). Rules, all enforced with conditional writes:
- an identity belongs to one user; attaching one that belongs to someone else is a 409, never a silent move;
- a user has at most one identity per app, and at most one unionid (one WeChat person);
- an identity whose unionid is already linked joins that user automatically (login does this).
"""
from __future__ import annotations

from typing import Any

from chalicelib.core import auth_tokens, clock, ids, logs
from chalicelib.core.errors import BadRequest, Conflict, NotFound, Unauthorized, field_error
from chalicelib.core.settings import WeChatApp, get_settings
from chalicelib.records import sessions, store
from chalicelib.records.schema.model import USERS
from chalicelib.records.schema.collections import get_schema
from chalicelib.records.layout import USER_TOKEN_KEY
from chalicelib.store import identities, keys, table
from chalicelib.store.table import TransactionFailed
from chalicelib.users.service import NEW_KEY, unionid_item
from chalicelib.wechat.login import WeChatSession


def describe(user_id: str) -> dict[str, Any]:
    """What the API shows: the apps a user can sign in through (openids are per-app ids, not secrets)."""
    items = identities.link_items(user_id)
    apps = sorted(
        ({"appid": i["appid"], "type": i.get("type", "miniprogram"), "openid": i["openid"],
          "created": i.get("created", "")} for i in identities.identities(user_id, items)),
        key=lambda x: x["created"],
    )
    return {"items": apps, "unionid": bool(identities.unionid_of(user_id, items))}


def _session_for(app: WeChatApp, code: str) -> WeChatSession:
    if app.is_miniprogram:
        from chalicelib.wechat.login import code2session

        return code2session(app, code)
    from chalicelib.wechat.oauth import oauth_code2session

    return oauth_code2session(app, code)


def attach(user_id: str, appid: str, code: str) -> dict[str, Any]:
    """Attach the caller's identity in another app (a wx.login code, or an official account's OAuth code)."""
    app = get_settings().app(appid, field="appid")
    session = _session_for(app, code)
    existing = identities.identity(appid, session.openid)
    if existing is not None:
        if existing["user"] == user_id:
            return describe(user_id)
        raise Conflict("This WeChat account is already linked to another user of this app.",
                       {"appid": field_error("validation_not_unique", "Linked to another user.")})
    items = identities.link_items(user_id)
    if any(i.get("appid") == appid for i in identities.identities(user_id, items)):
        raise Conflict("You already have an identity in this app; detach it first.",
                       {"appid": field_error("validation_not_unique", "Already linked.")})
    mine = identities.unionid_of(user_id, items)
    new_link = False
    if session.unionid:
        if mine and mine != session.unionid:
            raise Conflict("This WeChat account belongs to a different WeChat user than yours.",
                           {"code": field_error("validation_unionid_mismatch", "Different WeChat user.")})
        owner = identities.unionid_owner(session.unionid)
        if owner is not None and owner != user_id:
            raise Conflict("This WeChat user is already linked to another account.",
                           {"code": field_error("validation_not_unique", "Linked to another user.")})
        new_link = owner is None
    now = clock.pb_datetime()
    identity_key = keys.identity(appid, session.openid)
    identity = {**identity_key, "user": user_id, "appid": appid, "openid": session.openid, "type": app.type,
                "created": now, **keys.user_link_index(user_id, identity_key)}
    if session.unionid:
        identity["unionid"] = session.unionid
    if session.session_key:
        identity.update(session_key=session.session_key, session_at=now)
    changes = store.Changes()
    changes.add(table.put_op(identity, condition=NEW_KEY))
    user_check = changes.require(USERS, user_id)
    if new_link:
        changes.add(table.put_op(unionid_item(user_id, session.unionid, now), condition=NEW_KEY))
    try:
        changes.commit()
    except store.WriteRejected as exc:
        if user_check in exc.positions:
            raise Unauthorized("The user of this token no longer exists; log in again.") from None
        raise Conflict("This WeChat account was linked by another request at the same time; reload.") from None
    logs.event("users.identity_attached", user=user_id, appid=appid, unionid_linked=new_link)
    return describe(user_id)


def link_unionid(user_id: str, appid: str, openid: str, unionid: str) -> None:
    """A unionid learnt later (decrypted open data): link it to the user and to that identity. 409 if it is
    another user's, or if the user already has a different one."""
    owner = identities.unionid_owner(unionid)
    if owner is not None:
        if owner != user_id:
            raise Conflict("This WeChat user is already linked to another account.",
                           {"unionId": field_error("validation_not_unique", "Linked to another user.")})
        return
    mine = identities.unionid_of(user_id)
    if mine and mine != unionid:
        raise Conflict("The decrypted unionId differs from the one already linked to your account.")
    try:
        table.transact([
            table.put_op(unionid_item(user_id, unionid, clock.pb_datetime()), condition=NEW_KEY),
            table.update_op(keys.identity(appid, openid), "SET unionid = :u", condition="#u = :me",
                            names={"#u": "user"}, values={":u": unionid, ":me": user_id}),
        ])
    except TransactionFailed as exc:
        if not exc.condition_failed:
            raise
        raise Conflict("This WeChat user was linked by another request at the same time; reload.") from None
    logs.event("users.unionid_linked", user=user_id, appid=appid)


def detach(user_id: str, appid: str, signed_in_appid: str | None = None,
           sid: str | None = None) -> dict[str, Any]:
    """Remove the user's identity in one app. Not the app the caller signed in through, nor the last one.

    The user's token key rotates in the same transaction, so sessions begun through the detached app end; the
    answer carries a fresh token for the caller (`token`), whose own session goes on."""
    found = identities.identities(user_id)
    target = next((i for i in found if i.get("appid") == appid), None)
    if target is None:
        raise NotFound("You have no identity in this app.")
    if appid == signed_in_appid:
        raise BadRequest("You are signed in through this app; sign in through another app to detach it.")
    if len(found) < 2:
        raise BadRequest("This is your only way to sign in; attach another app before detaching it.")
    user = store.get(USERS, user_id)
    if user is None:
        raise Unauthorized("The user of this token no longer exists; log in again.")
    changes = store.Changes()
    changes.add(table.delete_op(keys.key_of(target), condition="#u = :me", names={"#u": "user"},
                                values={":me": user_id}))
    unionid = target.get("unionid")
    if unionid and not any(i.get("unionid") == unionid for i in found if i is not target):
        changes.add(table.delete_op(keys.unionid_link(unionid), condition="attribute_not_exists(pk) OR #u = :me",
                                    names={"#u": "user"}, values={":me": user_id}))
    token_key = ids.random_token()
    changes.update(get_schema().users, user, user.data, private={USER_TOKEN_KEY: token_key})
    try:
        changes.commit()
    except store.WriteRejected:
        raise Conflict("The account changed meanwhile; reload and try again.") from None
    sessions.forget(user_id)
    logs.event("users.identity_detached", user=user_id, appid=appid)
    token = auth_tokens.issue(user_id, token_key, signed_in_appid or "", extra={"sid": sid} if sid else None)
    return {**describe(user_id), "token": token}
