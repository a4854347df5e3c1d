"""The WebSocket API's $default route: one client message answered through the @connections API of the event's
own domain and stage (realtime/sockets.py)."""
from typing import Any

from chalicelib.realtime import sockets


def handle(event: dict[str, Any]) -> None:
    context = event["requestContext"]
    sockets.message(context["connectionId"], event.get("body"),
                    endpoint=f"https://{context['domainName']}/{context['stage']}")
