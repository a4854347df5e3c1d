"""The callback queue (SQS): JSON messages in, with the queue URL looked up once per process; and its dead-letter
queue, whose messages the admin console lists (without consuming them) and redrives."""
from __future__ import annotations

import json
import os
import threading
from typing import Any

from chalicelib.core import aws
from chalicelib.core.errors import NotFound, ServiceUnavailable
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


def send(payload: dict[str, Any], delay_seconds: int = 0) -> None:
    """Queue one JSON message (delivered after `delay_seconds`, at most SQS's 900); ServiceUnavailable if SQS
    can't take it."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        aws.client("sqs").send_message(QueueUrl=queue_url(), MessageBody=json.dumps(payload, ensure_ascii=False),
                                       DelaySeconds=max(0, min(900, int(delay_seconds))))
    except (BotoCoreError, ClientError) as exc:
        raise ServiceUnavailable("The message queue could not be reached; try again shortly.") from exc


def reset() -> None:
    """Forget looked-up URLs (tests and make dev point at new queues)."""
    with _lock:
        _urls.clear()


# --- the callback queue's dead letters (pushes that failed maxReceiveCount times) -------------------------------------
DEAD_LETTER_SUFFIX = "-dlq"  # the local stacks' naming; deployed stages set WXBASE_DEAD_LETTER_QUEUE
PEEK_VISIBILITY_SECONDS = 20
REDRIVE_VISIBILITY_SECONDS = 30
MAX_RECEIVE_ROUNDS = 10


def dead_letter_queue_name() -> str:
    return os.environ.get("WXBASE_DEAD_LETTER_QUEUE") or get_settings().queue_name + DEAD_LETTER_SUFFIX


def _sqs_call(operation: str, **kwargs: Any) -> dict[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return getattr(aws.client("sqs"), operation)(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code", "") in ("AWS.SimpleQueueService.NonExistentQueue",
                                                             "QueueDoesNotExist"):
            raise NotFound("No dead-letter queue is configured for the callback queue.") from None
        raise ServiceUnavailable("The message queue could not be reached; try again shortly.") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("The message queue could not be reached; try again shortly.") from exc


def _dead_letter_url() -> str:
    name = dead_letter_queue_name()
    url = _urls.get(name)
    if url is None:
        url = _sqs_call("get_queue_url", QueueName=name)["QueueUrl"]
        with _lock:
            _urls[name] = url
    return url


def _receive(url: str, visibility: int) -> list[dict[str, Any]]:
    return _sqs_call("receive_message", QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=visibility,
                     WaitTimeSeconds=0, AttributeNames=["All"]).get("Messages", [])


def _release(url: str, messages: list[dict[str, Any]]) -> None:
    """Make received messages visible again at once."""
    for start in range(0, len(messages), 10):
        batch = messages[start:start + 10]
        _sqs_call("change_message_visibility_batch", QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for i, m in enumerate(batch)])


def dead_letters_waiting() -> int:
    attributes = _sqs_call("get_queue_attributes", QueueUrl=_dead_letter_url(),
                           AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", 0))


def peek_dead_letters(limit: int) -> list[dict[str, Any]]:
    """Up to `limit` dead letters, left on the queue: each is received, then made visible again at once."""
    url = _dead_letter_url()
    seen: dict[str, dict[str, Any]] = {}
    for _ in range(min(MAX_RECEIVE_ROUNDS, (limit + 9) // 10)):
        batch = [m for m in _receive(url, PEEK_VISIBILITY_SECONDS) if m["MessageId"] not in seen]
        if not batch:
            break
        seen.update((m["MessageId"], m) for m in batch)
    found = list(seen.values())
    _release(url, found)
    return found[:limit]


def redrive_dead_letters(message_ids: set[str]) -> list[str]:
    """Move the named dead letters back to the callback queue (sent first, then deleted from the dead-letter
    queue, so a failure in between repeats a push rather than losing it). Returns the ids moved."""
    url, target = _dead_letter_url(), queue_url()
    moved: list[str] = []
    others: list[dict[str, Any]] = []  # kept invisible until the end, so each round reaches new messages
    try:
        for _ in range(MAX_RECEIVE_ROUNDS):
            batch = _receive(url, REDRIVE_VISIBILITY_SECONDS)
            if not batch:
                break
            for m in batch:
                if m["MessageId"] in message_ids and m["MessageId"] not in moved:
                    _sqs_call("send_message", QueueUrl=target, MessageBody=m["Body"])
                    _sqs_call("delete_message", QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                    moved.append(m["MessageId"])
                else:
                    others.append(m)
            if len(moved) == len(message_ids):
                break
    finally:
        _release(url, others)
    return moved
