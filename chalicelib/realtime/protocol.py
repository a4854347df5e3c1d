"""The realtime protocol (docs/realtime.md, "Protocol"): client messages parsed and checked, server messages built.

Client → server: `{"type":"auth","token"}`, `{"type":"subscribe","id","topic","filter"?}`, `{"type":"unsubscribe",
"id"}`, `{"type":"ping"}`. Server → client: `{"type":"event","id","action","record","cursor"}`, `{"type":"error",
"id"?,"status","message"}`, `{"type":"pong"}`. Anything malformed is a ProtocolError, answered with an error message;
the connection stays open.

Events carry `cursor`, their place in the collection's change feed (realtime/feed.py): a client that reconnects
asks the feed for what came after the last cursor it saw. An event whose message would pass API Gateway's 32 KB
frame limit carries only the record's id, collectionId and collectionName, with `"truncated": true`: the client
reads the record itself (the client package does so before calling back).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from chalicelib.core import ids

MAX_MESSAGE_BYTES = 16 * 1024  # a client message, a subscription's filter included
MAX_FRAME_BYTES = 32 * 1024  # API Gateway's WebSocket frame size limit (a larger frame closes the connection)
MAX_FILTER_LENGTH = 4096
SUBSCRIPTION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
COLLECTION = re.compile(r"^[A-Za-z0-9_]{1,100}$")
TYPES = ("auth", "subscribe", "unsubscribe", "ping")
ACTIONS = ("create", "update", "delete")


class ProtocolError(Exception):
    """A message the server refuses: sent back as an error message (with the subscription's id when known)."""

    def __init__(self, status: int, message: str, subscription_id: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.subscription_id = status, message, subscription_id


@dataclass(frozen=True)
class Message:
    type: str
    id: str | None = None  # subscribe, unsubscribe
    token: str = ""  # auth ("" signs out)
    collection: str = ""  # subscribe
    topic: str = ""  # subscribe: "*" or a record id
    filter: str = ""  # subscribe


def _id(value: Any, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not SUBSCRIPTION_ID.match(value):
        raise ProtocolError(400, 'A subscription "id" must be 1 to 64 letters, digits or "_.:-".')
    return value


def parse(body: str | bytes | None) -> Message:
    """One client message, checked; ProtocolError for anything else."""
    raw = body.encode() if isinstance(body, str) else (body or b"")
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ProtocolError(413, f"The message is larger than {MAX_MESSAGE_BYTES} bytes.")
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError(400, "The message is not valid JSON.") from None
    except RecursionError:  # thousands of nested arrays: the decoder's recursion, not the message's size
        raise ProtocolError(400, "The message is nested too deeply.") from None
    if not isinstance(value, dict):
        raise ProtocolError(400, "A message must be a JSON object.")
    kind = value.get("type")
    known_id = value.get("id") if isinstance(value.get("id"), str) and SUBSCRIPTION_ID.match(value["id"]) else None
    try:
        return _message(kind, value)
    except ProtocolError as exc:
        exc.subscription_id = known_id
        raise


def _message(kind: Any, value: dict) -> Message:
    if kind == "ping":
        return Message("ping")
    if kind == "auth":
        token = value.get("token")
        if token is not None and not isinstance(token, str):
            raise ProtocolError(400, 'The auth "token" must be a string.')
        return Message("auth", token=(token or "").strip())
    if kind == "unsubscribe":
        return Message("unsubscribe", id=_id(value.get("id"), required=True))
    if kind == "subscribe":
        sub_id = _id(value.get("id"), required=True)
        collection, topic = parse_topic(value.get("topic"))
        text = value.get("filter")
        if text is not None and not isinstance(text, str):
            raise ProtocolError(400, 'The subscription "filter" must be a string.')
        if text and len(text) > MAX_FILTER_LENGTH:
            raise ProtocolError(400, f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
        return Message("subscribe", id=sub_id, collection=collection, topic=topic, filter=(text or "").strip())
    raise ProtocolError(400, 'Unknown message "type"; expected auth, subscribe, unsubscribe or ping.')


def parse_topic(topic: Any) -> tuple[str, str]:
    """`<collection>/*` or `<collection>/<record id>` → (collection, "*" or the id)."""
    if not isinstance(topic, str):
        raise ProtocolError(400, 'A subscription "topic" must be "<collection>/*" or "<collection>/<recordId>".')
    collection, sep, rest = topic.partition("/")
    if not sep or not COLLECTION.match(collection) or not (rest == "*" or ids.is_valid_id(rest)):
        raise ProtocolError(400, 'A subscription "topic" must be "<collection>/*" or "<collection>/<recordId>".')
    return collection, rest


def encode(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def error(status: int, message: str, subscription_id: str | None = None) -> str:
    body: dict[str, Any] = {"type": "error"}
    if subscription_id is not None:
        body["id"] = subscription_id
    body.update(status=status, message=message)
    return encode(body)


def pong() -> str:
    return encode({"type": "pong"})


class Event:
    """One change as one subscriber's view of it, encoded once and addressed to each subscription that shares it."""

    STUB_FIELDS = ("id", "collectionId", "collectionName")

    def __init__(self, action: str, record: dict[str, Any], cursor: str) -> None:
        self.action, self.record, self.cursor = action, record, cursor
        self.truncated = False
        self._record_json = encode(record)
        # the subscription id is at most 64 characters, and everything else is measured here
        if len(self._frame('"' + "x" * 64 + '"').encode()) > MAX_FRAME_BYTES:
            self.truncated = True
            self._record_json = encode({k: record[k] for k in self.STUB_FIELDS if k in record})

    def _frame(self, quoted_id: str) -> str:
        tail = ',"truncated":true}' if self.truncated else "}"
        return (f'{{"type":"event","id":{quoted_id},"action":"{self.action}","record":{self._record_json},'
                f'"cursor":{json.dumps(self.cursor)}{tail}')

    def frame(self, subscription_id: str) -> str:
        return self._frame(json.dumps(subscription_id))
