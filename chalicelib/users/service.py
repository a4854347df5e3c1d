"""WeChat users: login (code → code2Session → user found or created → our JWT) and auth-refresh.

A user is a record of the `users` collection (written through records/store.py like every record). Each
(appid, openid) has an identity item that points at its user and holds the latest session_key (server-side only);
a unionid item points every app of one WeChat Open Platform account at the same user. First logins write the user,
the identity and the unionid link in one transaction whose puts all require the key to be new, so concurrent first
logins of one person create exactly one user: the losers see the transaction cancelled and resolve again, finding
the winner's identity.

DynamoDB requests per login: returning user 2 (update identity, get user); new user 2, or 3 with a unionid.
"""
from __future__ import annotations

from typing import Any

from chalicelib.core import auth_tokens, clock, ids, logs
from chalicelib.core.errors import BadRequest, NotFound, ServiceUnavailable, Unauthorized
from chalicelib.records.query import render
from chalicelib.records import sessions, store
from chalicelib.records.access import Caller
from chalicelib.records.schema.model import USERS, Collection
from chalicelib.records.schema.collections import get_schema
from chalicelib.records.layout import USER_TOKEN_KEY
from chalicelib.store import identities, keys, table
from chalicelib.store.table import ConditionFailed, TransactionFailed
from chalicelib.users.apps import pick_app
from chalicelib.wechat.login import WeChatSession, code2session

MAX_RESOLVE_ATTEMPTS = 4
NEW_USER_DATA = {"email": "", "emailVisibility": False, "verified": False, "name": "", "avatar": ""}
NEW_KEY = "attribute_not_exists(pk)"  # a put that must create its item (uniqueness markers)
TOKEN_KEY = USER_TOKEN_KEY  # the user's private value every token is bound to (rotating it ends every session)
MAX_REVOKE_ATTEMPTS = 5


def login(code: str, appid: str | None = None, referer: str | None = None,
          phone_code: str | None = None) -> dict[str, Any]:
    """Log in; with `phone_code` (getPhoneNumber) also bind the phone, unless the user already has a verified one
    (each lookup is paid). A phone bound to someone else is a 409 before anything is written, so a failed phone
    login leaves no new user behind."""
    from chalicelib.users import phone as phones

    app = pick_app(appid, referer)
    session = code2session(app, code)
    phone = None
    if phone_code and not phones.has_verified_phone(app.appid, session.openid):
        phone = phones.fetch(app, phone_code, session.openid)
        phones.check_login_phone(app.appid, session, phone)
    sid = ids.random_token(9)
    for _ in range(MAX_RESOLVE_ATTEMPTS):
        try:
            user, is_new = _resolve_user(app.appid, session, sid)
            break
        except TransactionFailed as exc:
            if not exc.condition_failed:
                raise
            continue  # another login of the same person won the race; resolve again and find its user
        except _ResolveAgain:
            continue
    else:
        raise ServiceUnavailable("Too many concurrent logins for this user; try again.")
    if phone is not None:
        user = phones.bind(user.id, phone)
    logs.event("login", appid=app.appid, user=user.id, is_new=is_new)
    token = auth_tokens.issue(user.id, user.private[TOKEN_KEY], app.appid, extra={"sid": sid})
    return {"token": token, "record": render.render(user),
            "meta": {"isNew": is_new, "appid": app.appid, "openid": session.openid}}


def _resolve_user(appid: str, session: WeChatSession, sid: str) -> tuple[store.StoredRecord, bool]:
    now = clock.pb_datetime()
    try:
        identity = table.update(
            keys.identity(appid, session.openid),
            "SET session_key = :sk, session_at = :now, sid = :sid",
            condition="attribute_exists(pk)",
            values={":sk": session.session_key, ":now": now, ":sid": sid},
        )
    except ConditionFailed:
        identity = None
    if identity is not None:
        user = get_user(identity["user"])
        if user is None:  # the identity outlived its user (deleted): start over as a new person
            _forget(keys.identity(appid, session.openid), identity["user"])
        assert user is not None
        if session.unionid and not identity.get("unionid"):
            _link_unionid(appid, session, user.id)
        return user, False

    identity_item = {
        **keys.identity(appid, session.openid), "user": None, "appid": appid, "openid": session.openid,
        "unionid": session.unionid or None, "session_key": session.session_key, "session_at": now, "sid": sid,
        "type": "miniprogram", "created": now,
    }
    users = get_schema().users
    if session.unionid:
        owner = identities.unionid_owner(session.unionid)
        if owner is not None:
            user = get_user(owner)
            if user is None:
                _forget(keys.unionid_link(session.unionid), owner)
            assert user is not None
            identity_item.update(user=user.id, **keys.user_link_index(user.id, keys.key_of(identity_item)))
            changes = store.Changes()
            changes.add(table.put_op(_without_none(identity_item), condition=NEW_KEY))
            changes.require(USERS, user.id)
            table.transact(changes.actions())
            return user, False

    user = store.new(users, NEW_USER_DATA, private={TOKEN_KEY: ids.random_token()})
    identity_item.update(user=user.id, **keys.user_link_index(user.id, keys.key_of(identity_item)))
    changes = store.Changes()
    changes.create(users, user)
    changes.add(table.put_op(_without_none(identity_item), condition=NEW_KEY))
    if session.unionid:
        changes.add(table.put_op(unionid_item(user.id, session.unionid, now), condition=NEW_KEY))
    table.transact(changes.actions())
    return user, True


def user_for_openid(appid: str, openid: str, write: bool = True) -> tuple[str, bool]:
    """(user id, created) of an openid in an app: its user, or one created as a first login creates it (an
    identity without a session yet) when there is none; imports name record owners this way. A new user's id
    is derived from the openid, so the same import run twice names the same user, and a dry run (`write`
    False) can say which."""
    pick_app(appid)
    found = identities.identity(appid, openid)
    if found is not None:
        return str(found["user"]), False
    user_id = ids.derived_id(f"openid:{appid}:{openid}")
    if not write:
        return user_id, True
    key = keys.identity(appid, openid)
    identity_item = {**key, "user": user_id, "appid": appid, "openid": openid, "type": "miniprogram",
                     "created": clock.pb_datetime(), **keys.user_link_index(user_id, key)}
    changes = store.Changes()
    changes.create(get_schema().users, store.new(get_schema().users, NEW_USER_DATA, record_id=user_id,
                                                 private={TOKEN_KEY: ids.random_token()}))
    changes.add(table.put_op(identity_item, condition=NEW_KEY))
    try:
        table.transact(changes.actions())
    except TransactionFailed as exc:
        found = identities.identity(appid, openid)
        if not exc.condition_failed or found is None:
            raise
        return str(found["user"]), False  # a login or another import of this openid came first
    return user_id, True


class _ResolveAgain(Exception):
    """State changed under us (a stale pointer was removed); resolve the user again."""


def _forget(key: dict[str, str], user_id: str) -> None:
    """Delete an identity or unionid item that points at a user who no longer exists."""
    try:
        table.delete(key, condition="#u = :u", names={"#u": "user"}, values={":u": user_id})
    except ConditionFailed:
        pass
    raise _ResolveAgain()


def unionid_item(user_id: str, unionid: str, now: str) -> dict[str, Any]:
    """The item linking a unionid to a user (written with NEW_KEY: refused if the unionid is linked already)."""
    key = keys.unionid_link(unionid)
    return {**key, "user": user_id, "unionid": unionid, "created": now, **keys.user_link_index(user_id, key)}


def _link_unionid(appid: str, session: WeChatSession, user_id: str) -> None:
    """A returning identity that now reports a unionid: link it unless the unionid already belongs to someone."""
    try:
        table.put(unionid_item(user_id, session.unionid, clock.pb_datetime()), condition=NEW_KEY)
    except ConditionFailed:
        pass  # linked before (or to another user: merging accounts is an explicit action, never implicit)
    table.update(keys.identity(appid, session.openid), "SET unionid = :u", values={":u": session.unionid},
                 return_values="NONE")


def _without_none(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if v is not None}


def get_user(user_id: str) -> store.StoredRecord | None:
    return store.get(USERS, user_id)


def auth_route_collection(name: str) -> Collection:
    """The collection a PocketBase auth route names (by id, or by name in any case); 404 as PocketBase for an
    unknown one. wxbase's one auth collection is `users`."""
    collection = get_schema().get(name)
    if collection is None:
        raise NotFound("Missing or invalid collection context.")
    return collection


def refresh(token: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    """A new token for a still-valid one whose user exists and whose tokenKey has not been rotated. `params`:
    PocketBase's `expand` of the record and `fields` of the whole answer (`record.id`, `token`)."""
    claims = auth_tokens.verify(token)
    user = get_user(claims["id"])
    if user is None or not auth_tokens.fingerprints_match(
            auth_tokens.token_key_fingerprint(user.private.get(TOKEN_KEY, "")), claims["tk"]):
        raise Unauthorized(sessions.REVOKED)
    extra = {"sid": claims["sid"]} if claims.get("sid") else None
    new_token = auth_tokens.issue(user.id, user.private[TOKEN_KEY], claims.get("appid") or "", extra=extra)
    record = render.render(user)
    params = params or {}
    if params.get("expand"):
        caller = Caller(user_id=user.id, query=params, method="POST", appid=claims.get("appid") or None)
        render.expand(get_schema().users, [record], [user], params["expand"], caller)
    return render.pick({"token": new_token, "record": record}, params.get("fields"))


def auth_methods(params: dict[str, str] | None = None) -> dict[str, Any]:
    """PocketBase's auth-methods of `users`, in the shape the SDK's listAuthMethods reads: users sign in with
    WeChat (auth-with-oauth2, provider `wechat`, with a wx.login code), never with a password."""
    oauth2 = {"enabled": True, "providers": [{"name": "wechat", "displayName": "WeChat", "state": "", "authURL": "",
                                              "codeVerifier": "", "codeChallenge": "", "codeChallengeMethod": ""}]}
    answer = {"password": {"enabled": False, "identityFields": []}, "oauth2": oauth2,
              "mfa": {"enabled": False, "duration": 0}, "otp": {"enabled": False, "duration": 0},
              "authProviders": oauth2["providers"], "usernamePassword": False, "emailPassword": False}
    return render.pick(answer, (params or {}).get("fields"))


def revoke_tokens(user_id: str, also: tuple[dict, ...] = ()) -> str:
    """Rotate the user's tokenKey: every token issued before is refused from now on (records/sessions.py). `also`:
    actions committed with it (the admin audit entry). Returns the new key. WriteRejected when the user changed
    meanwhile (the caller reads again)."""
    user = get_user(user_id)
    if user is None:
        raise BadRequest("No such user.")
    new_key = ids.random_token()
    changes = store.Changes()
    changes.update(get_schema().users, user, user.data, private={TOKEN_KEY: new_key})
    for action in also:
        changes.add(action)
    changes.commit()
    sessions.forget(user_id)
    logs.event("users.signed_out_everywhere", user=user_id)
    return new_key


def sign_out_everywhere(user_id: str) -> None:
    """`POST /api/collections/users/sign-out-everywhere`: end every session of the caller, this one included."""
    for _ in range(MAX_REVOKE_ATTEMPTS):
        try:
            revoke_tokens(user_id)
            return
        except store.WriteRejected:
            continue  # the user record changed meanwhile (version): read again
        except BadRequest:
            raise Unauthorized("The user of this token no longer exists; log in again.") from None
    raise ServiceUnavailable("The account is changing too often to sign out; try again.")
