"""What Lambda's event sources do for the deployed app, done in-process for `make dev`: drain the callback queue
into the worker handler (deleting what succeeded, leaving failures for SQS to redeliver and dead-letter), and run
every scheduled handler on the rate app.py declares for it."""
import importlib
import threading
import time
from typing import Any, Callable

from chalicelib.core import aws
from chalicelib.store import queue


class _Context:
    function_name = "local"
    aws_request_id = "local"

    @staticmethod
    def get_remaining_time_in_millis():
        return 60_000


class QueueDrainer:
    """Long-polls the callback queue and hands batches to `handler(event_dict, context)` like Lambda's SQS source.

    Failed records are made visible again after `retry_after` seconds (Lambda waits the queue's visibility
    timeout; locally a short wait keeps the loop fast), so the queue's redrive policy still dead-letters them.
    """

    def __init__(self, handler: Callable, batch_size: int = 10, wait_seconds: int = 1, retry_after: int = 2) -> None:
        self.handler = handler
        self.batch_size = batch_size
        self.wait_seconds = wait_seconds
        self.retry_after = retry_after
        self._stop = threading.Event()
        self._thread = None

    def drain_once(self) -> int:
        sqs, url = aws.client("sqs"), queue.queue_url()
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=self.batch_size,
                                       WaitTimeSeconds=self.wait_seconds, AttributeNames=["All"]).get("Messages", [])
        if not messages:
            return 0
        records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                    "attributes": m.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs", "eventSourceARN": "local", "awsRegion": "local"} for m in messages]
        try:
            result = self.handler({"Records": records}, _Context()) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception:  # a crashed batch fails every record, as in Lambda
            failed = {m["MessageId"] for m in messages}
        for m in messages:
            if m["MessageId"] in failed:
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                              VisibilityTimeout=self.retry_after)
            else:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return len(messages)

    def start(self):
        def loop():
            while not self._stop.is_set():
                try:
                    self.drain_once()
                except Exception as exc:  # keep draining; the emulator may be restarting
                    if not self._stop.is_set():
                        print(f"[wxbase] queue drain failed: {exc.__class__.__name__}", flush=True)
                    self._stop.wait(1)

        self._thread = threading.Thread(target=loop, name="callback-queue", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()


class Every:
    """Calls `fn()` every `seconds` (first call right away) on a daemon thread."""

    def __init__(self, seconds: float, fn: Callable[[], Any], name: str) -> None:
        self.seconds, self.fn, self.name = seconds, fn, name
        self._stop = threading.Event()

    def start(self):
        def loop():
            while True:
                started = time.monotonic()
                try:
                    self.fn()
                except Exception as exc:
                    if not self._stop.is_set():
                        print(f"[wxbase] {self.name} failed: {exc.__class__.__name__}", flush=True)
                if self._stop.wait(max(0.0, self.seconds - (time.monotonic() - started))):
                    return

        threading.Thread(target=loop, name=self.name, daemon=True).start()
        return self

    def stop(self):
        self._stop.set()


def scheduled_event() -> dict:
    """The EventBridge event a scheduled Lambda receives."""
    return {"version": "0", "id": "local", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "000000000000", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "region": "local", "resources": [], "detail": {}}


def run_scheduled(handler: Callable) -> Any:
    return handler(scheduled_event(), _Context())


_RATE_SECONDS = {"MINUTES": 60, "MINUTE": 60, "HOURS": 3600, "HOUR": 3600, "DAYS": 86400, "DAY": 86400}


def rate_seconds(expression: Any) -> int:
    """Seconds between runs of a Chalice `Rate` (or a `rate(N unit)` string), as EventBridge would run it."""
    if isinstance(expression, str):
        value, unit = expression.strip()[len("rate("):-1].split()
    else:
        value, unit = expression.value, expression.unit
    return int(value) * _RATE_SECONDS[str(unit).upper()]


def schedules(chalice_app: Any) -> list[tuple[str, int, Callable]]:
    """[(name, seconds, handler)] for every `@app.schedule` of the app, read from its registrations."""
    from chalice.app import ScheduledEventConfig

    found = []
    for source in chalice_app.event_sources:
        if isinstance(source, ScheduledEventConfig):
            module_name, _, attribute = source.handler_string.rpartition(".")
            handler = getattr(importlib.import_module(module_name), attribute)
            found.append((source.name, rate_seconds(source.schedule_expression), handler))
    return found


def start_schedules(chalice_app: Any) -> list["Every"]:
    """Runs each scheduled handler now (catching up on what fell due while stopped), then on its rate."""
    return [Every(seconds, lambda h=handler: run_scheduled(h), name).start()
            for name, seconds, handler in schedules(chalice_app)]
