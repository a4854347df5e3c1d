"""Test-only functions, hooks and schedules, registered in the test process (the stack runs in-process) so the
shipped functions/ package stays as it is. Imported by the functions tests; names start with `fx`."""
import threading

from chalicelib.functions import BadRequest, Refused, after, before, every, function

CALLS = {"after": [], "ticks": []}  # what the hooks and schedules saw, in order
FAIL = {"after": {}, "tick": 0}  # record id → failures left; failing ticks left
LOCK = threading.Lock()


@function("fx_echo", auth="guest")
def echo(ctx, body):
    """Echo the body with who called."""
    return {"body": body, "user": ctx.user_id, "appid": ctx.appid, "admin": ctx.is_admin, "service": ctx.service,
            "requestId": ctx.request_id}


@function("fx_me", auth="user")
def me(ctx, body):
    """The caller as the context sees them, and their own record."""
    return {"id": ctx.user_id, "appid": ctx.appid, "openid": ctx.openid, "unionid": ctx.unionid,
            "user": ctx.user, "admin": ctx.is_admin}


@function("fx_admin", auth="admin")
def admin_only(ctx, body):
    """Admins and listed servers only."""
    return {"admin": ctx.admin, "service": ctx.service, "isAdmin": ctx.is_admin}


@function("fx_admin_unlisted", auth="admin")
def admin_unlisted(ctx, body):
    """An admin function no service key lists."""
    return {"ok": True}


@function("fx_boom", auth="guest")
def boom(ctx, body):
    """Fails with an exception whose text must never reach the caller."""
    raise RuntimeError("internal detail: " + str(body.get("secret", "")))


@function("fx_unserializable", auth="guest")
def unserializable(ctx, body):
    return {"value": object()}


@function("fx_refuse", auth="guest")
def refuse(ctx, body):
    raise BadRequest("Quantity too large.", {"qty": {"code": "validation_max_number_constraint",
                                                     "message": "Must be at most 5."}})


@function("fx_records", auth="user")
def records(ctx, body):
    """Records as the caller (rules apply) and as admin."""
    mine = ctx.records.create("favourites", {"post": body["post"], "note": "via function"})
    try:
        ctx.records.create("favourites", {"post": body["post"], "user": body["other"], "note": "for another"})
        as_other = "written"
    except BadRequest as exc:
        as_other = exc.status
    listed = ctx.records.list("favourites", filter=ctx_filter(ctx, body["post"]))
    everyone = ctx.admin_records.list("favourites", filter=ctx_filter(ctx, body["post"]))
    return {"mine": mine, "asOther": as_other, "listed": [r["user"] for r in listed["items"]],
            "admin": sorted(r["user"] for r in everyone["items"])}


def ctx_filter(ctx, post_id):
    from chalicelib.functions.context import filter_text

    return filter_text("post = {:post}", post=post_id)


@function("fx_wechat", auth="user")
def wechat(ctx, body):
    """A customer-service message to the caller through their own app's client, and a content check."""
    ctx.wechat.send_customer_service_message(ctx.openid, {"msgtype": "text", "text": {"content": body["text"]}})
    verdict = ctx.wechat.check_text(ctx.openid, body["text"])
    return {"appid": ctx.wechat.appid, "suggest": verdict.suggest}


@before("create", "favourites")
@before("update", "favourites")
def favourite_notes(ctx, write):
    note = write.data.get("note")
    if not isinstance(note, str):
        return
    if "forbidden" in note:
        raise Refused("note", "That word is not allowed.", "validation_forbidden_word")
    if note.startswith("shout:"):
        write.data["note"] = note[len("shout:"):].upper() + f" ({'admin' if ctx.is_admin else ctx.user_id})"
    if note == "too long by hook":
        write.data["note"] = "x" * 500  # the field's max is 200: validated like the body
    if note == "crash":
        raise RuntimeError("a hook bug")


@before("delete", "favourites")
def keep_pinned(ctx, write):
    if write.old and write.old.get("note") == "pinned":
        raise Refused("note", "Pinned favourites can't be deleted.")


@after("create", "favourites")
@after("update", "favourites")
@after("delete", "favourites")
def favourite_changed(ctx, change):
    with LOCK:
        left = FAIL["after"].get(change.id, 0)
        if left:
            FAIL["after"][change.id] = left - 1
            raise RuntimeError("an after hook failed")
        CALLS["after"].append((change.action, change.id, change.record.get("note"), change.change_id,
                               ctx.is_admin))


@after("create", "comments")
def comment_seen(ctx, change):
    with LOCK:
        CALLS["after"].append(("comment", change.id, change.record.get("post"), change.change_id, ctx.is_admin))


@every("5 minutes", name="fx_tick")
def tick(ctx):
    with LOCK:
        if FAIL["tick"]:
            FAIL["tick"] -= 1
            raise RuntimeError("a scheduled function failed")
        CALLS["ticks"].append(("fx_tick", ctx.is_admin, ctx.request_id))


@every("1 hour", name="fx_hourly")
def hourly(ctx):
    with LOCK:
        CALLS["ticks"].append(("fx_hourly", ctx.is_admin, ctx.request_id))


@function("fx_files", auth="guest")
def files(ctx, body):
    """A direct-upload target as the caller (the collection's create rule decides)."""
    target = ctx.files.upload("posts", "cover", "cover.png", 1000, "image/png")
    return {"hasUrl": bool(target["url"]), "key": target["key"]}
