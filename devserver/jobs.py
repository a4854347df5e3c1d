"""What Lambda's event sources do for the deployed app, done in-process for `make dev`: drain the callback queue
into the worker handler (deleting what succeeded, leaving failures for SQS to redeliver and dead-letter), and run
the scheduled handlers on a timer."""
import threading
import time

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

    def __init__(self, handler, batch_size=10, wait_seconds=1, retry_after=2):
        self.handler = handler
        self.batch_size = batch_size
        self.wait_seconds = wait_seconds
        self.retry_after = retry_after
        self._stop = threading.Event()
        self._thread = None

    def drain_once(self):
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
                    print(f"[wxbase] queue drain failed: {exc.__class__.__name__}", flush=True)
                    self._stop.wait(1)

        self._thread = threading.Thread(target=loop, name="callback-queue", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()


class Every:
    """Calls `fn()` every `seconds` (first call right away) on a daemon thread."""

    def __init__(self, seconds, fn, name):
        self.seconds, self.fn, self.name = seconds, fn, name
        self._stop = threading.Event()

    def start(self):
        def loop():
            while True:
                started = time.monotonic()
                try:
                    self.fn()
                except Exception as exc:
                    print(f"[wxbase] {self.name} failed: {exc.__class__.__name__}", flush=True)
                if self._stop.wait(max(0.0, self.seconds - (time.monotonic() - started))):
                    return

        threading.Thread(target=loop, name=self.name, daemon=True).start()
        return self

    def stop(self):
        self._stop.set()


def scheduled_event():
    """The EventBridge event a scheduled Lambda receives."""
    return {"version": "0", "id": "local", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "000000000000", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "region": "local", "resources": [], "detail": {}}


def run_scheduled(handler):
    return handler(scheduled_event(), _Context())
