"""The callback queue (SQS): JSON messages in, with the queue URL looked up once per process."""
from __future__ import annotations

import json
import threading
from typing import Any

from chalicelib.core import aws
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.settings import get_settings

_urls: dict[str, str] = {}
_lock = threading.Lock()


def queue_url(name: str | None = None) -> str:
    name = name or get_settings().queue_name
    url = _urls.get(name)
    if url is None:
        with _lock:
            url = _urls.get(name) or aws.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
            _urls[name] = url
    return url


def send(payload: dict[str, Any]) -> None:
    """Queue one JSON message; ServiceUnavailable if SQS can't take it."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        aws.client("sqs").send_message(QueueUrl=queue_url(), MessageBody=json.dumps(payload, ensure_ascii=False))
    except (BotoCoreError, ClientError) as exc:
        raise ServiceUnavailable("The message queue could not be reached; try again shortly.") from exc


def reset() -> None:
    """Forget looked-up URLs (tests and make dev point at new queues)."""
    with _lock:
        _urls.clear()
