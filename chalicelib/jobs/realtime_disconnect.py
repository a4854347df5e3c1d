"""The WebSocket API's $disconnect route: the connection and its subscriptions are dropped (realtime/sockets.py)."""
from typing import Any

from chalicelib.realtime import sockets


def handle(event: dict[str, Any]) -> None:
    sockets.disconnect(event["requestContext"]["connectionId"])
