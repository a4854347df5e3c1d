"""A user's WeChat identities across this deployment's apps: list, attach, detach, and unionid links.

Every identity (`ID#<appid>#<openid>`) and unionid item (`UNION#<unionid>`) points at one user and is listed under
it in gsi2 (`U#<user id>`). Rules, all enforced with conditional writes:
- an identity belongs to one user; attaching one that belongs to someone else is a 409, never a silent move;
- a user has at most one identity per app, and at most one unionid (one WeChat person);
- an identity whose unionid is already linked joins that user automatically (login does this).
"""
from chalicelib.core import clock, logs
from chalicelib.core.errors import BadRequest, Conflict, NotFound, Unauthorized
from chalicelib.core.settings import get_settings
from chalicelib.store import keys, table
from chalicelib.store.table import TransactionFailed

USERS = "users"


def link_items(user_id):
    """Identity and unionid items of a user (gsi2; eventually consistent, so a link made this instant may lag)."""
    found, start = [], None
    while True:
        items, start = table.query("g2pk = :pk", values={":pk": keys.user_links_partition(user_id)},
                                   index=keys.USER_LINKS_INDEX, start_key=start)
        found.extend(items)
        if not start:
            return found


def identities(user_id):
    return [i for i in link_items(user_id) if i["pk"].startswith("ID#")]


def identity_for_app(user_id, appid):
    """The user's identity in one app, read consistently (fresh session_key), or None."""
    for item in identities(user_id):
        if item.get("appid") == appid:
            return table.get({"pk": item["pk"], "sk": item["sk"]})
    return None


def unionid_of(user_id, items=None):
    items = link_items(user_id) if items is None else items
    unionids = {i.get("unionid") for i in items if i["pk"].startswith("UNION#") and i.get("unionid")}
    return next(iter(unionids), None)


def describe(user_id):
    """What the API shows: the apps a user can sign in through (openids are per-app ids, not secrets)."""
    items = link_items(user_id)
    apps = sorted(
        ({"appid": i["appid"], "type": i.get("type", "miniprogram"), "openid": i["openid"],
          "created": i.get("created", "")} for i in items if i["pk"].startswith("ID#")),
        key=lambda x: x["created"],
    )
    return {"items": apps, "unionid": bool(unionid_of(user_id, items))}


def _app(appid):
    app = next((a for a in get_settings().apps if a.appid == appid), None)
    if app is None:
        raise BadRequest(f"The app {appid!r} is not configured on this server.",
                         {"appid": {"code": "validation_invalid_value", "message": "Unknown appid."}})
    return app


def _session_for(app, code):
    if app.is_miniprogram:
        from chalicelib.wechat.login import code2session

        return code2session(app, code)
    from chalicelib.wechat.oauth import oauth_code2session

    return oauth_code2session(app, code)


def attach(user_id, appid, code):
    """Attach the caller's identity in another app (a wx.login code, or an official account's OAuth code)."""
    app = _app(appid)
    session = _session_for(app, code)
    existing = table.get(keys.identity(appid, session.openid))
    if existing is not None:
        if existing["user"] == user_id:
            return describe(user_id)
        raise Conflict("This WeChat account is already linked to another user of this app.",
                       {"appid": {"code": "validation_not_unique", "message": "Linked to another user."}})
    items = link_items(user_id)
    if any(i["pk"].startswith("ID#") and i.get("appid") == appid for i in items):
        raise Conflict("You already have an identity in this app; detach it first.",
                       {"appid": {"code": "validation_not_unique", "message": "Already linked."}})
    mine = unionid_of(user_id, items)
    new_link = False
    if session.unionid:
        if mine and mine != session.unionid:
            raise Conflict("This WeChat account belongs to a different WeChat user than yours.",
                           {"code": {"code": "validation_unionid_mismatch", "message": "Different WeChat user."}})
        link = table.get(keys.unionid_link(session.unionid))
        if link is not None and link["user"] != user_id:
            raise Conflict("This WeChat user is already linked to another account.",
                           {"code": {"code": "validation_not_unique", "message": "Linked to another user."}})
        new_link = link is None
    now = clock.pb_datetime()
    identity_key = keys.identity(appid, session.openid)
    identity = {**identity_key, "user": user_id, "appid": appid, "openid": session.openid, "type": app.type,
                "created": now, **keys.user_link_index(user_id, identity_key["pk"])}
    if session.unionid:
        identity["unionid"] = session.unionid
    if session.session_key:
        identity.update(session_key=session.session_key, session_at=now)
    operations = [
        table.put_op(identity, condition="attribute_not_exists(pk)"),
        table.check_op(keys.record(USERS, user_id), "attribute_exists(pk)"),
    ]
    if new_link:
        operations.append(_unionid_put(user_id, session.unionid, now))
    try:
        table.transact(operations)
    except TransactionFailed as exc:
        if exc.reasons[1:2] == ["ConditionalCheckFailed"]:
            raise Unauthorized("The user of this token no longer exists; log in again.") from None
        if not exc.condition_failed:
            raise
        raise Conflict("This WeChat account was linked by another request at the same time; reload.") from None
    logs.event("users.identity_attached", user=user_id, appid=appid, unionid_linked=new_link)
    return describe(user_id)


def _unionid_put(user_id, unionid, now):
    key = keys.unionid_link(unionid)
    return table.put_op({**key, "user": user_id, "unionid": unionid, "created": now,
                         **keys.user_link_index(user_id, key["pk"])}, condition="attribute_not_exists(pk)")


def link_unionid(user_id, appid, openid, unionid):
    """A unionid learnt later (decrypted open data): link it to the user and to that identity. 409 if it is
    another user's, or if the user already has a different one."""
    link = table.get(keys.unionid_link(unionid))
    if link is not None:
        if link["user"] != user_id:
            raise Conflict("This WeChat user is already linked to another account.",
                           {"unionId": {"code": "validation_not_unique", "message": "Linked to another user."}})
        return
    mine = unionid_of(user_id)
    if mine and mine != unionid:
        raise Conflict("The decrypted unionId differs from the one already linked to your account.")
    try:
        table.transact([
            _unionid_put(user_id, unionid, clock.pb_datetime()),
            table.update_op(keys.identity(appid, openid), "SET unionid = :u", condition="#u = :me",
                            names={"#u": "user"}, values={":u": unionid, ":me": user_id}),
        ])
    except TransactionFailed as exc:
        if not exc.condition_failed:
            raise
        raise Conflict("This WeChat user was linked by another request at the same time; reload.") from None
    logs.event("users.unionid_linked", user=user_id, appid=appid)


def detach(user_id, appid, signed_in_appid=None):
    """Remove the user's identity in one app. Not the app the caller signed in through, nor the last one."""
    found = identities(user_id)
    target = next((i for i in found if i.get("appid") == appid), None)
    if target is None:
        raise NotFound("You have no identity in this app.")
    if appid == signed_in_appid:
        raise BadRequest("You are signed in through this app; sign in through another app to detach it.")
    if len(found) < 2:
        raise BadRequest("This is your only way to sign in; attach another app before detaching it.")
    operations = [table.delete_op({"pk": target["pk"], "sk": target["sk"]}, condition="#u = :me",
                                  names={"#u": "user"}, values={":me": user_id})]
    unionid = target.get("unionid")
    if unionid and not any(i.get("unionid") == unionid for i in found if i is not target):
        operations.append(table.delete_op(keys.unionid_link(unionid), condition="attribute_not_exists(pk) OR #u = :me",
                                          names={"#u": "user"}, values={":me": user_id}))
    try:
        table.transact(operations)
    except TransactionFailed as exc:
        if not exc.condition_failed:
            raise
        raise Conflict("The identity changed meanwhile; reload and try again.") from None
    logs.event("users.identity_detached", user=user_id, appid=appid)
    return describe(user_id)
