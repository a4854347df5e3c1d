"""Subscribe messages: send now, or queue for later and let the scheduled sender deliver exactly once.

Who may send: an admin (any recipient: `touser` openid or `user` record id), or a logged-in user to themselves
in the app they signed in through (reminders they subscribed to), never to someone else.

A queued message is one item `SUBMSG#<id>` with status `queued` and gsi1 keys that file it under the UTC hour it is
due (`SUBMSG#DUE#<yyyy-mm-dd-hh>`, sorted by due time). The sender claims a message with a conditional update
(`queued` → `sending`, removing it from the index) before calling WeChat, so two concurrent runs never both send it.
"""
import time
from datetime import datetime, timezone

from chalicelib.core import clock, ids, logs, validate
from chalicelib.core.errors import ApiError, BadRequest, Forbidden, NotFound, invalid
from chalicelib.core.settings import get_settings
from chalicelib.store import identities, keys, table
from chalicelib.store.table import ConditionFailed
from chalicelib.wechat import budgets
from chalicelib.wechat import subscribe_send
from chalicelib.wechat.errcodes import SYSTEM_BUSY, WeChatError, WeChatUnavailable

MAX_DATA_KEYS = 20
MAX_VALUE_CHARS = 200
MAX_SCHEDULE_SECONDS = 366 * 24 * 3600
PAST_TOLERANCE_SECONDS = 300  # a sendAt this little in the past is sent at once (clock skew), older is a 400
MAX_ATTEMPTS = 5
RETRY_BACKOFF_SECONDS = 60
KEEP_SENT_SECONDS = 30 * 24 * 3600
_DUE_NAMES = dict(zip(("#pk", "#sk"), keys.gsi_attributes(keys.DUE_SLOT)))
SEND_BODY = validate.Body(
    validate.Text("template_id", max_length=128),
    validate.Text("page", required=False, max_length=1024),
    validate.Text("miniprogram_state", required=False, choices=subscribe_send.STATES),
    validate.Text("lang", required=False, choices=subscribe_send.LANGS),
    validate.Checked("data", {"type": "object", "minProperties": 1, "maxProperties": MAX_DATA_KEYS,
                              "propertyNames": {"minLength": 1, "maxLength": 64},
                              "additionalProperties": {"type": "object", "required": ["value"],
                                                       "additionalProperties": False,
                                                       "properties": {"value": {"type": ["string", "number"]}}}},
                     required=True),
    validate.Checked("sendAt", {"type": ["string", "number", "null"],
                                "description": "UTC date-time or epoch seconds, up to a year ahead"}),
    validate.Text("touser", required=False, max_length=128, description="admins: an openid"),
    validate.Text("user", required=False, max_length=32, description="admins: a user id"),
    validate.Text("appid", required=False, max_length=64, description="admins: the mini-program"),
)


def _invalid(name: str, message: str) -> ApiError:
    return invalid(name, "validation_invalid_value", message, f"{name}: {message}")


def _data(body):
    data = body.get("data")
    if not isinstance(data, dict) or not data or len(data) > MAX_DATA_KEYS:
        raise _invalid("data", f'Must be an object of 1-{MAX_DATA_KEYS} template keys: {{"thing1": {{"value": "…"}}}}.')
    for key, entry in data.items():
        value = entry.get("value") if isinstance(entry, dict) else None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool) or len(str(value)) > MAX_VALUE_CHARS \
                or set(entry) != {"value"} or len(key) > 64:
            raise _invalid("data", f"data.{key[:64]} must be {{\"value\": text or number}}.")
    return data


def parse_send_at(value, now):
    """sendAt as epoch seconds (number) or a UTC date-time ("2026-01-02 03:04:05.000Z" or ISO 8601)."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        when = float(value)
    elif isinstance(value, str) and len(value) <= 40:
        try:
            parsed = datetime.fromisoformat(value.strip().replace(" ", "T").replace("Z", "+00:00"))
        except ValueError:
            raise _invalid("sendAt", "Must be a UTC date-time or epoch seconds.") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        when = parsed.timestamp()
    else:
        raise _invalid("sendAt", "Must be a UTC date-time or epoch seconds.")
    if when < now - PAST_TOLERANCE_SECONDS:
        raise _invalid("sendAt", "Is in the past.")
    if when > now + MAX_SCHEDULE_SECONDS:
        raise _invalid("sendAt", "Is more than a year ahead.")
    return when


def _openid_of(user_id, appid):
    identity = identities.identity_for_app(user_id, appid)
    if identity is None:
        raise NotFound("That user has no identity in this app.")
    return identity["openid"]


def submit(body, admin=False, claims=None):
    """Validate, resolve the recipient, then send now (200) or queue (202). Returns (status, result)."""
    now = clock.now()
    values = SEND_BODY.read(body)
    template_id, page, state, lang = values["template_id"], values["page"], values["miniprogram_state"], values["lang"]
    data = _data(body)
    send_at = parse_send_at(body.get("sendAt"), now)
    touser, user_id = values["touser"], values["user"]
    if admin:
        appid = values["appid"]
        if appid is None:
            programs = get_settings().miniprograms
            if len(programs) != 1:
                raise BadRequest("appid is required.", {"appid": {"code": "validation_required",
                                                                 "message": "Missing required value."}})
            appid = programs[0].appid
        if bool(touser) == bool(user_id):
            raise BadRequest("Send exactly one of touser (an openid) or user (a user id).")
    else:
        appid = claims.get("appid")
        if touser or (user_id and user_id != claims["id"]) or body.get("appid") not in (None, "", appid):
            raise Forbidden("Users can only send subscribe messages to themselves, in the app they signed in through.")
        user_id = claims["id"]
    app = get_settings().app(appid, field="appid", miniprogram=True)
    if touser is None:
        touser = _openid_of(user_id, appid)
    payload = subscribe_send.build_body(touser, template_id, data, page, state, lang)
    budgets.spend("subscribeMessage", app.appid, None if admin else user_id)  # an admin's sends: the app's budget
    if send_at is not None and send_at > now:
        return 202, queue(app.appid, payload, send_at, user_id=user_id)
    try:
        msgid = subscribe_send.send(app, payload)
    except ApiError as exc:
        _record_sent_now(app.appid, payload, now, user_id, error=exc)
        raise
    logs.event("subscribe.sent", appid=app.appid, template=template_id)
    message_id = _record_sent_now(app.appid, payload, now, user_id, msgid=msgid)
    return 200, {"status": "sent", "msgid": msgid, "id": message_id}


def _listed(message_id, created, user_id=None):
    """gsi2 attributes that list a message under its creation day (the admin console's list), and gsi3 ones under
    its user (a merge of two accounts moves them)."""
    found = keys.subscribe_day_index(created[:10], created, message_id)
    if user_id:
        found.update(keys.subscribe_user_index(user_id, created, message_id))
    return found


def user_messages(user_id: str, limit: int) -> list[dict]:
    """The messages kept for a user (gsi3), at most `limit` + 1 (so a caller can tell there are more)."""
    pk, _ = keys.gsi_attributes(keys.MESSAGES_BY_USER_SLOT)
    found: list[dict] = []
    start = None
    while len(found) <= limit:
        items, start = table.query("#pk = :pk", names={"#pk": pk}, values={":pk": keys.subscribe_user_partition(user_id)},
                                   index=keys.gsi(keys.MESSAGES_BY_USER_SLOT), start_key=start,
                                   limit=limit + 1 - len(found))
        found.extend(items)
        if not start:
            break
    return found


def move_op(item: dict, from_id: str, into_id: str) -> dict:
    """The action re-addressing a message of `from_id` to `into_id` (the same person: their openids moved too)."""
    pk, sk = keys.gsi_attributes(keys.MESSAGES_BY_USER_SLOT)
    entry = keys.subscribe_user_index(into_id, item.get("created", ""), item["id"])
    return table.update_op(keys.subscribe_message(item["id"]), "SET #u = :into, #pk = :pk, #sk = :sk",
                           condition="#u = :from", names={"#u": "user", "#pk": pk, "#sk": sk},
                           values={":into": into_id, ":from": from_id, ":pk": entry[pk], ":sk": entry[sk]})


def _record_sent_now(appid, payload, now, user_id, msgid=None, error=None):
    """Keep a message sent at once (or refused by WeChat) like a queued one, so operators see every message."""
    message_id = ids.new_id()
    created = clock.pb_datetime(now)
    item = {**keys.subscribe_message(message_id), "id": message_id, "appid": appid, "payload": payload,
            "sendAt": created, "attempts": 1, "created": created, "exp": int(now + KEEP_SENT_SECONDS),
            **_listed(message_id, created, user_id)}
    if user_id:
        item["user"] = user_id
    if error is None:
        item.update(status="sent", sentAt=created, msgid=msgid)
    else:
        item.update(status="failed", errcode=getattr(error, "errcode", None), error=error.message)
    try:
        table.put(item)
    except ApiError:  # the message went out (or was refused) either way; only its listing is missing
        logs.event("subscribe.unrecorded", appid=appid)
    return message_id


def _due_fields(message_id, due):
    due_hour = datetime.fromtimestamp(due, tz=timezone.utc).strftime("%Y-%m-%d-%H")
    return keys.subscribe_due_index(due_hour, clock.pb_datetime(due), message_id)


def queue(appid, payload, due, user_id=None):
    message_id = ids.new_id()
    created = clock.pb_datetime()
    item = {**keys.subscribe_message(message_id), "id": message_id, "status": "queued", "appid": appid,
            "payload": payload, "sendAt": clock.pb_datetime(due), "attempts": 0, "created": created,
            **_due_fields(message_id, due), **_listed(message_id, created, user_id)}
    if user_id:
        item["user"] = user_id
    table.put(item, condition="attribute_not_exists(pk)")
    logs.event("subscribe.queued", appid=appid, message=message_id)
    return {"status": "queued", "id": message_id, "sendAt": item["sendAt"]}


def get(message_id):
    item = table.get(keys.subscribe_message(message_id)) if ids.is_valid_id(message_id) else None
    if item is None:
        raise NotFound("No such subscribe message.")
    return {k: item[k] for k in ("id", "status", "appid", "sendAt", "attempts", "created", "sentAt", "msgid",
                                 "errcode", "error") if k in item}


# --- the scheduled sender ----------------------------------------------------------------------------------------

def due_messages(now, lookback_hours):
    """Queued messages due by `now`, oldest hour first: one Query per hourly bucket (gsi1), never a Scan."""
    upto = clock.pb_datetime(now) + "#~"
    hour = int(now // 3600) * 3600
    for start in range(hour - lookback_hours * 3600, hour + 1, 3600):
        bucket = keys.subscribe_due_bucket(datetime.fromtimestamp(start, tz=timezone.utc).strftime("%Y-%m-%d-%H"))
        cursor = None
        while True:
            items, cursor = table.query("#pk = :b AND #sk <= :upto", names=_DUE_NAMES,
                                        values={":b": bucket, ":upto": upto}, index=keys.gsi(keys.DUE_SLOT),
                                        start_key=cursor)
            yield from items
            if not cursor:
                break


def claim(message_id, now):
    """Take the message for sending: only one caller ever wins. None when someone else already has it."""
    try:
        return table.update(
            keys.subscribe_message(message_id),
            "SET #s = :sending, claimedAt = :now, attempts = attempts + :one REMOVE #pk, #sk",
            condition="#s = :queued", names={"#s": "status", **_DUE_NAMES},
            values={":sending": "sending", ":queued": "queued", ":now": clock.pb_datetime(now), ":one": 1},
        )
    except ConditionFailed:
        return None


def deliver(item, now):
    """Send a claimed message and record the outcome: sent, failed (WeChat refused), or queued again (transient)."""
    key = keys.subscribe_message(item["id"])
    names = {"#s": "status"}
    try:
        app = get_settings().app(item["appid"], field="appid", miniprogram=True)
        msgid = subscribe_send.send(app, item["payload"])
    except (WeChatUnavailable, WeChatError) as exc:
        transient = isinstance(exc, WeChatUnavailable) or exc.errcode == SYSTEM_BUSY or exc.status >= 500
        if transient and item["attempts"] < MAX_ATTEMPTS:
            due = now + RETRY_BACKOFF_SECONDS * item["attempts"]
            fields = _due_fields(item["id"], due)
            pk, sk = keys.gsi_attributes(keys.DUE_SLOT)
            table.update(key, "SET #s = :queued, #pk = :pk, #sk = :sk", names={**names, **_DUE_NAMES},
                         values={":queued": "queued", ":pk": fields[pk], ":sk": fields[sk]},
                         return_values="NONE")
            return "retried"
        return _fail(key, exc, now)
    except ApiError as exc:
        return _fail(key, exc, now)
    table.update(key, "SET #s = :sent, sentAt = :now, msgid = :msgid, exp = :exp", names=names,
                 values={":sent": "sent", ":now": clock.pb_datetime(now), ":msgid": msgid,
                         ":exp": int(now + KEEP_SENT_SECONDS)}, return_values="NONE")
    return "sent"


def _fail(key, exc, now):
    table.update(key, "SET #s = :failed, errcode = :code, #e = :error, exp = :exp", names={"#s": "status", "#e": "error"},
                 values={":failed": "failed", ":code": getattr(exc, "errcode", None), ":error": exc.message,
                         ":exp": int(now + KEEP_SENT_SECONDS)}, return_values="NONE")
    logs.event("subscribe.failed", errcode=getattr(exc, "errcode", None))
    return "failed"


def monotonic():
    return time.monotonic()
