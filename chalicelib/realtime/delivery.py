"""Messages to open WebSocket connections through API Gateway's @connections management API (PostToConnection).

The endpoint is the deployment's WebSocket API (core/settings.realtime_management_url); under make dev it is the
local stand-in the dev server runs (devserver/websocket.py), so this code is the deployed code. A connection that
is gone answers 410 (GoneException): `send` reports it so the caller removes what the connection left.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, TypeVar

from chalicelib.core import logs
from chalicelib.core.settings import realtime_management_url

MAX_PARALLEL = 16
T = TypeVar("T")

_clients: dict[str, Any] = {}
_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _workers() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=MAX_PARALLEL, thread_name_prefix="realtime-push")
        return _pool


def _client(fallback: str | None = None) -> Any:
    endpoint = realtime_management_url() or fallback or ""
    found = _clients.get(endpoint)
    if found is None:
        with _lock:
            if endpoint not in _clients:
                import boto3
                from botocore.config import Config

                config = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"},
                                max_pool_connections=MAX_PARALLEL * 2)
                _clients[endpoint] = boto3.session.Session().client("apigatewaymanagementapi", endpoint_url=endpoint,
                                                                    config=config)
            found = _clients[endpoint]
    return found


def send(connection_id: str, data: str, fallback_endpoint: str | None = None) -> bool:
    """Post one message; False when the connection is gone (410). Other failures are logged and count as sent:
    a client that missed a message catches up from the change feed. `fallback_endpoint` is used when no endpoint
    is configured (the WebSocket handlers know theirs from API Gateway's event)."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = _client(fallback_endpoint)
    try:
        client.post_to_connection(ConnectionId=connection_id, Data=data.encode())
    except client.exceptions.GoneException:
        return False
    except (ClientError, BotoCoreError) as exc:
        logs.event("realtime.send_failed", level=logging.WARNING, error=exc.__class__.__name__)
    return True


def send_many(messages: list[tuple[str, str]]) -> set[str]:
    """Post (connection id, message) pairs, several at a time; the ids of the connections that are gone."""
    if not messages:
        return set()
    if len(messages) == 1:
        connection_id, data = messages[0]
        return set() if send(connection_id, data) else {connection_id}
    results = list(_workers().map(lambda m: (m[0], send(m[0], m[1])), messages))
    return {connection_id for connection_id, sent in results if not sent}


def run_all(calls: list[Callable[[], T]]) -> list[T]:
    """Run independent calls (table reads) side by side on the same workers; their results in order."""
    futures = [_workers().submit(call) for call in calls]
    return [f.result() for f in futures]


def in_background(call: Callable[[], T]) -> "Future[T]":
    return _workers().submit(call)
