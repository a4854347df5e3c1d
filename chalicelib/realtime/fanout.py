"""The realtime step of the table's stream consumer (jobs/record_stream.py STEPS): each record change goes into the
change feed, then to the subscribers who may see it.

Cost follows the changed collection's subscribers, not the connections: one Query per topic (`<collection>/*` and
`<collection>/<id>`, store/connections.py), one BatchGetItem per 100 of their connections (who is signed in on
each, read now, so a token that expired since subscribing is a guest's; each signed-in user's session is checked
as the REST API checks it, realtime/session.py: an ended one signs the socket out and it is told), one rule check and rendering per distinct
identity and filter (realtime/audience.py), then one PostToConnection per subscription that hears of it, several
at a time. A connection that answers 410 is gone: its items are removed. A subscription whose connection item is
gone is removed too.
"""
from __future__ import annotations

import time

from chalicelib.core import logs
from chalicelib.realtime import delivery, feed, protocol, session
from chalicelib.realtime.audience import Audience
from chalicelib.realtime.protocol import Event
from chalicelib.records import sessions
from chalicelib.records.changes import RecordChange
from chalicelib.store import connections


def publish(change: RecordChange) -> None:
    """The stream step: record the change in the feed and send it to its subscribers, side by side (the events
    carry the entry's cursor; the step ends once both are done, so a retry repeats both)."""
    cursor = feed.cursor_of(change)
    stored = delivery.in_background(lambda: feed.append(change, cursor=cursor))
    deliver(change, cursor)
    stored.result()


def deliver(change: RecordChange, cursor: str) -> dict[str, int]:
    """Send the change to every subscriber who may see it; counts of what happened (for logs and tests)."""
    by_collection, by_record = delivery.run_all([lambda: list(connections.subscribers(change.collection, "*")),
                                                 lambda: list(connections.subscribers(change.collection, change.id))])
    subscriptions = [*by_collection, *by_record]
    if not subscriptions:
        return {"subscribers": 0, "sent": 0, "gone": 0}
    now = time.time()
    live = connections.connections({s.connection_id for s in subscriptions}, now=now)
    audience = Audience(change)
    events: dict[tuple[str, int], Event] = {}  # by the rendered record Audience shares
    messages: list[tuple[str, str]] = []
    stale = []
    acting: dict[str, str | None] = {}  # connection id → who it acts for, its session checked once per change
    for sub in subscriptions:
        connection = live.get(sub.connection_id)
        if connection is None:
            stale.append(sub)
            continue
        if connection.id not in acting:
            acting[connection.id], ended = session.user_of(connection, now)
            if ended:
                messages.append((connection.id, protocol.error(session.REVOKED_STATUS, sessions.REVOKED)))
        user_id = acting[connection.id]
        seen = audience.view(user_id, connection.appid if user_id else None, sub.topic, sub.filter)
        if seen is None:
            continue
        action, record = seen
        key = (action, id(record))
        event = events.get(key)
        if event is None:
            event = events[key] = Event(action, record, cursor)
        messages.append((sub.connection_id, event.frame(sub.id)))
    gone = delivery.send_many(messages)
    for connection_id in gone:
        connections.disconnect(connection_id)
    for sub in stale:
        connections.unsubscribe(sub.connection_id, sub.id)
    counts = {"subscribers": len(subscriptions), "sent": len(messages) - sum(1 for c, _ in messages if c in gone),
              "gone": len(gone)}
    logs.event("realtime.delivered", collection=change.collection, record=change.id, action=change.action, **counts)
    return counts
