"""The realtime API's WebSocket connections and their subscriptions (the one owner of these items).

A connection is one partition: its item (who signed in on it) and one item per subscription, so closing it is one
Query and its deletes. Each subscription is also filed under its topic (gsi4, keys.topic_index), so a record change
reads the subscribers of its collection's two topics (`<collection>/*` and `<collection>/<id>`) with one Query
each, whatever else is connected. Every item expires (TTL) when its connection must have ended: API Gateway closes
a connection after two hours at most, and a $disconnect that never ran leaves nothing behind for longer. TTL
deletion lags, so reads skip what has expired.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable, Iterator

from chalicelib.store import keys, table

_KEYS = {"#pk": keys.TABLE_PK, "#sk": keys.TABLE_SK}
MAX_CONNECTION_SECONDS = 2 * 3600  # API Gateway's limit on a WebSocket connection's duration
TTL_SLACK_SECONDS = 600


@dataclass(frozen=True)
class Connection:
    id: str
    opened: float
    expires: int  # epoch seconds: when its items expire
    user_id: str | None = None  # who signed in on it (an auth message), None for a guest
    appid: str | None = None
    token_expires: int = 0  # when the token it signed in with expires; after that it is a guest's again
    token_key: str = ""  # the token's `tk`: its session is re-checked before each event (records/sessions.py)

    def user_at(self, now: float) -> str | None:
        """The signed-in user while their token is valid, else None (a guest)."""
        return self.user_id if self.user_id and now < self.token_expires else None


@dataclass(frozen=True)
class Subscription:
    connection_id: str
    id: str  # chosen by the client, unique on its connection
    collection: str
    topic: str  # "*" or a record id
    filter: str = ""


def _connection(item: dict) -> Connection:
    return Connection(id=str(item["cid"]), opened=float(item.get("opened", 0)), expires=int(item.get(keys.TTL_ATTRIBUTE, 0)),
                      user_id=item.get("uid") or None, appid=item.get("appid") or None,
                      token_expires=int(item.get("tokenExp", 0)), token_key=str(item.get("tk") or ""))


def _subscription(item: dict) -> Subscription:
    return Subscription(connection_id=str(item["cid"]), id=str(item["sid"]), collection=str(item["collection"]),
                        topic=str(item["topic"]), filter=str(item.get("filter") or ""))


def connect(connection_id: str, now: float | None = None) -> Connection:
    now = time.time() if now is None else now
    expires = int(now) + MAX_CONNECTION_SECONDS + TTL_SLACK_SECONDS
    table.put({**keys.connection(connection_id), "cid": connection_id, "opened": now, keys.TTL_ATTRIBUTE: expires})
    return Connection(id=connection_id, opened=now, expires=expires)


def get(connection_id: str, now: float | None = None) -> Connection | None:
    item = table.get(keys.connection(connection_id))
    if not item or int(item.get(keys.TTL_ATTRIBUTE, 0)) <= (time.time() if now is None else now):
        return None
    return _connection(item)


_SIGNED_IN = {"#u": "uid", "#a": "appid", "#e": "tokenExp", "#k": "tk"}


def sign_in(connection_id: str, user_id: str | None, appid: str | None, token_expires: int,
            token_key: str = "") -> bool:
    """Who the connection's later events are for (None: a guest again); False when the connection is gone."""
    try:
        if user_id:
            table.update(keys.connection(connection_id), "SET #u = :u, #a = :a, #e = :e, #k = :k",
                         condition="attribute_exists(#pk)", names={**_SIGNED_IN, "#pk": keys.TABLE_PK},
                         values={":u": user_id, ":a": appid or "", ":e": int(token_expires), ":k": token_key},
                         return_values="NONE")
        else:
            table.update(keys.connection(connection_id), "REMOVE #u, #a, #e, #k", condition="attribute_exists(#pk)",
                         names={**_SIGNED_IN, "#pk": keys.TABLE_PK}, return_values="NONE")
    except table.ConditionFailed:
        return False
    return True


def subscription_count(connection_id: str) -> int:
    found, _, _ = table.count("#pk = :p AND begins_with(#sk, :s)", names=_KEYS,
                              values={":p": keys.connection_partition(connection_id),
                                      ":s": keys.SUBSCRIPTION_SK_PREFIX})
    return found


def subscribe(connection: Connection, subscription: Subscription) -> None:
    """Add (or replace: the same id on the same connection) a subscription; it expires with its connection."""
    table.put({**keys.subscription(connection.id, subscription.id),
               **keys.topic_index(subscription.collection, subscription.topic, connection.id, subscription.id),
               "cid": connection.id, "sid": subscription.id, "collection": subscription.collection,
               "topic": subscription.topic, "filter": subscription.filter, keys.TTL_ATTRIBUTE: connection.expires})


def get_subscription(connection_id: str, subscription_id: str) -> Subscription | None:
    item = table.get(keys.subscription(connection_id, subscription_id))
    return _subscription(item) if item else None


def unsubscribe(connection_id: str, subscription_id: str) -> None:
    table.delete(keys.subscription(connection_id, subscription_id))


def disconnect(connection_id: str) -> int:
    """Remove the connection and its subscriptions; how many items went."""
    removed, start = 0, None
    while True:
        items, start = table.query("#pk = :p", names={"#pk": keys.TABLE_PK}, values={":p": keys.connection_partition(connection_id)},
                                   start_key=start, consistent=True)
        for item in items:
            table.delete(keys.key_of(item))
            removed += 1
        if start is None:
            return removed


def subscribers(collection: str, topic: str, now: float | None = None) -> Iterator[Subscription]:
    """The live subscriptions to one topic, one Query page at a time."""
    now = time.time() if now is None else now
    pk, _ = keys.gsi_attributes(keys.REALTIME_TOPIC_SLOT)
    start = None
    while True:
        items, start = table.query("#p = :p", names={"#p": pk}, values={":p": keys.topic_partition(collection, topic)},
                                   index=keys.gsi(keys.REALTIME_TOPIC_SLOT), start_key=start)
        for item in items:
            if int(item.get(keys.TTL_ATTRIBUTE, 0)) > now:
                yield _subscription(item)
        if start is None:
            return


def connections(connection_ids: Iterable[str], now: float | None = None) -> dict[str, Connection]:
    """The live connections among these ids (BatchGetItem, 100 at a time); the missing ones are gone."""
    now = time.time() if now is None else now
    wanted = list(dict.fromkeys(connection_ids))
    found: dict[str, Connection] = {}
    for start in range(0, len(wanted), 100):
        for item in table.batch_get([keys.connection(c) for c in wanted[start:start + 100]]):
            if int(item.get(keys.TTL_ATTRIBUTE, 0)) > now:
                connection = _connection(item)
                found[connection.id] = connection
    return found
