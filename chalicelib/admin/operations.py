"""Operations: each WeChat app's access-token health, subscribe messages by creation day, and the callback
queue's dead letters (listed without being consumed, redriven on request)."""
from __future__ import annotations

import json
import re
from typing import Any

from chalicelib.admin import cursors
from chalicelib.core import clock
from chalicelib.core.errors import invalid
from chalicelib.core.settings import get_settings
from chalicelib.store import audit, keys, queue, table
from chalicelib.wechat import tokens

MAX_DEAD_LETTERS = 50
MAX_BODY_CHARS = 4000
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9-]{1,100}$")


def token_health() -> dict[str, Any]:
    return {"items": [tokens.health(app) for app in get_settings().apps]}


def _message(item: dict[str, Any]) -> dict[str, Any]:
    """A subscribe message as operators see it: who, which template, its status (never the template data)."""
    payload = item.get("payload") or {}
    out: dict[str, Any] = {k: item[k] for k in ("id", "status", "appid", "user", "sendAt", "created", "sentAt", "attempts",
                                "msgid", "errcode", "error") if k in item}
    out.update(template=payload.get("template_id", ""), page=payload.get("page", ""), touser=payload.get("touser", ""))
    return out


def subscribe_messages(params: dict[str, str]) -> dict[str, Any]:
    """One day's messages (UTC, today by default), newest first, a bounded page at a time."""
    day = params.get("day") or clock.pb_datetime()[:10]
    if not _DAY.match(day):
        raise invalid("day", "validation_invalid_value", "Must be a date: YYYY-MM-DD.")
    partition, sort = keys.gsi_attributes(keys.MESSAGES_BY_DAY_SLOT)
    bucket = keys.subscribe_day_bucket(day)
    start = cursors.decode(params.get("cursor"), partition, bucket, index_sort=sort)
    items, last = table.query("#pk = :pk", names={"#pk": partition}, values={":pk": bucket},
                              index=keys.gsi(keys.MESSAGES_BY_DAY_SLOT), forward=False,
                              limit=cursors.per_page(params, default=30, maximum=100), start_key=start)
    return {"day": day, "items": [_message(i) for i in items], "nextCursor": cursors.encode(last)}


def _dead_letter(message: dict[str, Any]) -> dict[str, Any]:
    attributes = message.get("Attributes") or {}
    body: Any = message.get("Body", "")
    try:
        body = json.loads(body)
    except ValueError:
        body = body[:MAX_BODY_CHARS]
    fields = (body.get("message") if isinstance(body, dict) else None) or {}
    sent = attributes.get("SentTimestamp")
    return {"id": message["MessageId"], "appid": body.get("appid", "") if isinstance(body, dict) else "",
            "msgType": fields.get("MsgType", ""), "event": fields.get("Event", ""),
            "openid": fields.get("FromUserName", ""),
            "sentAt": clock.pb_datetime(int(sent) / 1000) if sent else "",
            "receiveCount": int(attributes.get("ApproximateReceiveCount") or 0),
            "body": body if len(json.dumps(body, ensure_ascii=False)) <= MAX_BODY_CHARS else "(too long to show)"}


def dead_letters(params: dict[str, str]) -> dict[str, Any]:
    """Up to 50 dead letters of the callback queue, left where they are, and how many are waiting."""
    limit = cursors.per_page(params, default=MAX_DEAD_LETTERS, maximum=MAX_DEAD_LETTERS)
    found = queue.peek_dead_letters(limit)
    return {"waiting": queue.dead_letters_waiting(), "queue": queue.dead_letter_queue_name(),
            "items": [_dead_letter(m) for m in found]}


def redrive(body: dict[str, Any], admin: str) -> dict[str, Any]:
    """Send the chosen dead letters back to the callback queue: {"ids": [...]} → {"redriven", "missing"}."""
    wanted = body.get("ids")
    if not isinstance(wanted, list) or not 1 <= len(wanted) <= MAX_DEAD_LETTERS or not all(
            isinstance(i, str) and _MESSAGE_ID.match(i) for i in wanted):
        raise invalid("ids", "validation_invalid_value", f"Must be a list of 1-{MAX_DEAD_LETTERS} message ids.")
    unique = set(wanted)
    moved = queue.redrive_dead_letters(unique)
    missing = sorted(unique - set(moved))
    audit.write(audit.entry(admin, "redrive", detail={"messages": moved, "missing": missing}))
    return {"redriven": moved, "missing": missing}
