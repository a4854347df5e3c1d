"""The WebSocket API's $connect route: the connection is recorded (realtime/sockets.py)."""
from typing import Any

from chalicelib.realtime import sockets


def handle(event: dict[str, Any]) -> None:
    sockets.connect(event["requestContext"]["connectionId"])
