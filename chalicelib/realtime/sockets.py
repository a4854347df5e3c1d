"""The WebSocket API's three handlers: $connect records the connection, $default answers its messages, $disconnect
removes it and its subscriptions. app.py wraps them for API Gateway; under make dev, devserver/websocket.py calls
the same wrappers with API Gateway's events.

Replies go back through the @connections API (realtime/delivery.py), like events. A subscription succeeds silently:
a client that wants no gap between subscribing and its first event reads the change feed from a cursor taken
before it subscribed (the client package does). Every refusal is an error message and the connection stays open.
"""
from __future__ import annotations

import logging
import time

from chalicelib.core import auth_tokens, logs
from chalicelib.core.errors import ApiError, BadRequest, Unauthorized
from chalicelib.realtime import delivery, protocol, session
from chalicelib.realtime.audience import check_filter, rule_name
from chalicelib.records import access, sessions
from chalicelib.store import connections

MAX_SUBSCRIPTIONS = 100  # per connection


class ConnectionEnded(ApiError):
    status = 410
    default_message = "This connection has ended; connect again."


def connect(connection_id: str) -> None:
    connections.connect(connection_id)


def disconnect(connection_id: str) -> None:
    connections.disconnect(connection_id)


def message(connection_id: str, body: str | bytes | None, endpoint: str | None = None) -> None:
    """Handle one client message and send the reply, if any (through `endpoint`, the @connections API of the
    event's own domain and stage, unless one is configured)."""
    reply = answer(connection_id, body)
    if reply is not None and not delivery.send(connection_id, reply, fallback_endpoint=endpoint):
        connections.disconnect(connection_id)


def answer(connection_id: str, body: str | bytes | None) -> str | None:
    """The reply to one client message: a pong, an error, or None."""
    try:
        msg = protocol.parse(body)
    except protocol.ProtocolError as exc:
        return protocol.error(exc.status, exc.message, exc.subscription_id)
    if msg.type == "ping":
        return protocol.pong()
    try:
        if msg.type == "auth":
            _auth(connection_id, msg.token)
        elif msg.type == "subscribe":
            _subscribe(connection_id, msg)
        else:
            assert msg.id is not None
            connections.unsubscribe(connection_id, msg.id)
    except ApiError as exc:
        if exc.status >= 500:
            logs.event("realtime.message_failed", level=logging.WARNING, type=msg.type, status=exc.status)
        return protocol.error(exc.status, exc.message, msg.id)
    return None


def _live(connection_id: str) -> connections.Connection:
    found = connections.get(connection_id)
    if found is None:
        raise ConnectionEnded()
    return found


def _auth(connection_id: str, token: str) -> None:
    """Sign the connection in (its later events are rule-checked as that user) or, with no token, out. A bad token,
    or one whose session was ended, leaves it a guest's (401)."""
    _live(connection_id)
    claims: dict = {}
    try:
        token = auth_tokens.strip_bearer(token)
        claims = sessions.verify(token) if token else {}
    finally:
        connections.sign_in(connection_id, claims.get("id"), claims.get("appid"), int(claims.get("exp") or 0),
                            str(claims.get("tk") or ""))


def _subscribe(connection_id: str, msg: protocol.Message) -> None:
    assert msg.id is not None
    connection = _live(connection_id)
    collection = access.collection(msg.collection)
    user_id, ended = session.user_of(connection, time.time())
    if ended:
        raise Unauthorized(sessions.REVOKED)
    caller = access.Caller(user_id=user_id, appid=connection.appid if user_id else None)
    access.require_rule(collection, rule_name(msg.topic), caller)
    check_filter(collection, msg.filter, caller)
    if connections.get_subscription(connection_id, msg.id) is None \
            and connections.subscription_count(connection_id) >= MAX_SUBSCRIPTIONS:
        raise BadRequest(f"A connection holds at most {MAX_SUBSCRIPTIONS} subscriptions.")
    connections.subscribe(connection, connections.Subscription(connection_id=connection_id, id=msg.id,
                                                               collection=collection.name, topic=msg.topic,
                                                               filter=msg.filter))

