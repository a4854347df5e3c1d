"""WeChat users: login (code → code2Session → user found or created → our JWT) and auth-refresh.

A user is a record of the `users` collection. Each (appid, openid) has an identity item that points at its user and
holds the latest session_key (server-side only); a unionid item points every app of one WeChat Open Platform
account at the same user. First logins write the user, the identity and the unionid link in one transaction whose
puts all require the key to be new, so concurrent first logins of one person create exactly one user: the losers
see the transaction cancelled and resolve again, finding the winner's identity.

DynamoDB requests per login: returning user 2 (update identity, get user); new user 2, or 3 with a unionid.
"""
from chalicelib.core import auth_tokens, clock, ids, logs
from chalicelib.core.auth_tokens import USERS_COLLECTION_ID
from chalicelib.core.errors import BadRequest, ServiceUnavailable, Unauthorized
from chalicelib.core.settings import get_settings
from chalicelib.records import items
from chalicelib.store import keys, table
from chalicelib.store.table import ConditionFailed, TransactionFailed
from chalicelib.wechat.login import code2session

USERS = "users"
MAX_RESOLVE_ATTEMPTS = 4
NEW_USER_DATA = {"email": "", "emailVisibility": False, "verified": False, "name": "", "avatar": ""}


def pick_app(appid=None, referer=None):
    """The mini-program a login is for: the explicit appid, the Referer's, or the only one configured."""
    settings = get_settings()
    if not appid and referer:
        appid = appid_from_referer(referer)
    if appid:
        app = next((a for a in settings.apps if a.appid == appid), None)
        if app is None:
            raise BadRequest(
                f"The app {appid!r} is not configured on this server.",
                {"appid": {"code": "validation_invalid_value", "message": "Unknown appid."}},
            )
        if not app.is_miniprogram:
            raise BadRequest(f"The app {appid!r} is not a mini-program.")
        return app
    programs = settings.miniprograms
    if len(programs) == 1:
        return programs[0]
    raise BadRequest(
        "Several mini-programs are configured; send appid.",
        {"appid": {"code": "validation_required", "message": "Missing required value."}},
    )


def appid_from_referer(referer):
    """`https://servicewechat.com/{appid}/{version}/page-frame.html` is what WeChat sends as Referer."""
    prefix = "https://servicewechat.com/"
    if not referer.startswith(prefix):
        return None
    appid = referer[len(prefix):].split("/", 1)[0]
    return appid or None


def login(code, appid=None, referer=None, phone_code=None):
    """Log in; with `phone_code` (getPhoneNumber) also bind the phone. A phone bound to someone else is a 409
    before anything is written, so a failed phone login leaves no new user behind."""
    from chalicelib.users import phone as phones

    app = pick_app(appid, referer)
    session = code2session(app, code)
    phone = None
    if phone_code:
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
        user = phones.bind(user["id"], phone)
    logs.event("login", appid=app.appid, user=user["id"], is_new=is_new)
    token = auth_tokens.issue(user["id"], user["_tokenKey"], app.appid, extra={"sid": sid})
    return {
        "token": token,
        "record": items.render(user),
        "meta": {"isNew": is_new, "appid": app.appid, "openid": session.openid},
    }


def _resolve_user(appid, session, sid):
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
        user = table.get(keys.record(USERS, identity["user"]))
        if user is None:  # the identity outlived its user (deleted): start over as a new person
            _forget(keys.identity(appid, session.openid), identity["user"])
        if session.unionid and not identity.get("unionid"):
            _link_unionid(appid, session, user["id"])
        return user, False

    identity_item = {
        **keys.identity(appid, session.openid),
        "user": None,
        "appid": appid,
        "openid": session.openid,
        "unionid": session.unionid or None,
        "session_key": session.session_key,
        "session_at": now,
        "sid": sid,
        "type": "miniprogram",
        "created": now,
    }
    if session.unionid:
        link = table.get(keys.unionid_link(session.unionid))
        if link is not None:
            user = table.get(keys.record(USERS, link["user"]))
            if user is None:
                _forget(keys.unionid_link(session.unionid), link["user"])
            else:
                identity_item.update(user=user["id"], **keys.user_link_index(user["id"], identity_item["pk"]))
                table.transact([
                    table.put_op(_without_none(identity_item), condition="attribute_not_exists(pk)"),
                    table.check_op(keys.record(USERS, user["id"]), "attribute_exists(pk)"),
                ])
                return user, False

    user = items.new_item(USERS_COLLECTION_ID, USERS, NEW_USER_DATA, extra={"_tokenKey": ids.random_token()})
    identity_item.update(user=user["id"], **keys.user_link_index(user["id"], identity_item["pk"]))
    operations = [
        table.put_op(user, condition="attribute_not_exists(pk)"),
        table.put_op(_without_none(identity_item), condition="attribute_not_exists(pk)"),
    ]
    if session.unionid:
        link_key = keys.unionid_link(session.unionid)
        operations.append(table.put_op(
            {**link_key, "user": user["id"], "unionid": session.unionid, "created": now,
             **keys.user_link_index(user["id"], link_key["pk"])},
            condition="attribute_not_exists(pk)",
        ))
    table.transact(operations)
    return user, True


class _ResolveAgain(Exception):
    """State changed under us (a stale pointer was removed); resolve the user again."""


def _forget(key, user_id):
    """Delete an identity or unionid item that points at a user who no longer exists."""
    try:
        table.delete(key, condition="#u = :u", names={"#u": "user"}, values={":u": user_id})
    except ConditionFailed:
        pass
    raise _ResolveAgain()


def _link_unionid(appid, session, user_id):
    """A returning identity that now reports a unionid: link it unless the unionid already belongs to someone."""
    link_key = keys.unionid_link(session.unionid)
    try:
        table.put(
            {**link_key, "user": user_id, "unionid": session.unionid, "created": clock.pb_datetime(),
             **keys.user_link_index(user_id, link_key["pk"])},
            condition="attribute_not_exists(pk)",
        )
    except ConditionFailed:
        pass  # linked before (or to another user: merging accounts is an explicit action, never implicit)
    table.update(keys.identity(appid, session.openid), "SET unionid = :u", values={":u": session.unionid},
                 return_values="NONE")


def _without_none(item):
    return {k: v for k, v in item.items() if v is not None}


def get_user(user_id):
    return table.get(keys.record(USERS, user_id))


def refresh(token):
    """A new token for a still-valid one whose user exists and whose tokenKey has not been rotated."""
    claims = auth_tokens.verify(token)
    user = get_user(claims["id"])
    if user is None or auth_tokens.token_key_fingerprint(user["_tokenKey"]) != claims["tk"]:
        raise Unauthorized("The auth token has been revoked; log in again.")
    extra = {"sid": claims["sid"]} if claims.get("sid") else None
    new_token = auth_tokens.issue(user["id"], user["_tokenKey"], claims.get("appid") or "", extra=extra)
    return {"token": new_token, "record": items.render(user)}


def revoke_tokens(user_id):
    """Rotate the user's tokenKey: every token issued before stops refreshing."""
    table.update(keys.record(USERS, user_id), "SET #tk = :tk", names={"#tk": "_tokenKey"},
                 values={":tk": ids.random_token()}, condition="attribute_exists(pk)", return_values="NONE")
