"""Lazily created boto3 clients, one per service per process.

boto3 is imported on first use (it costs ~100 ms), and clients are reused across warm invocations. Endpoints come
from boto3's own resolution, so AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> are honoured and nothing here
hard-codes one.
"""
from __future__ import annotations

import threading
from typing import Any

from chalicelib.core import snapstart

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client(service: str) -> Any:
    found = _clients.get(service)
    if found is not None:
        return found
    with _lock:
        if service not in _clients:
            import boto3
            from botocore.config import Config

            config = Config(
                connect_timeout=3,
                read_timeout=10,
                retries={"max_attempts": 3, "mode": "standard"},
                signature_version="s3v4" if service == "s3" else None,
                max_pool_connections=50,
            )
            _clients[service] = boto3.session.Session().client(service, config=config)
        return _clients[service]


def reset_clients() -> None:
    """Forget cached clients (tests point them at a new emulator)."""
    with _lock:
        _clients.clear()


snapstart.on_restore(reset_clients)  # each resumed copy opens its own connections
