"""The callback queue made durable for `make dev`: moto's SQS in memory, with a journal on disk in front of it.

Every SendMessage moto accepts is appended to the journal and fsynced before the sender gets its answer, and every
DeleteMessage (the worker finished the message) appends a tombstone. On start the journal's live messages (sent and
never deleted) are sent again, so a push the callback accepted is never lost to a kill, a closed terminal or
Ctrl-C. A message may so be delivered twice (a kill between the worker's last step and its DeleteMessage); the
worker's inbox item makes a second delivery a no-op, as with SQS's own at-least-once delivery.

Why a journal rather than re-driving unfinished inbox items: the inbox item holds the message's state, not its
content, and finding unfinished ones would need a scan of the whole table at every start.
"""
import io
import json
import os
import threading
from typing import Callable

SQS = "AmazonSQS."
JOURNALED = {SQS + name for name in ("SendMessage", "SendMessageBatch", "DeleteMessage", "DeleteMessageBatch",
                                     "ReceiveMessage", "PurgeQueue")}


def _queue_name(url):
    return (url or "").rstrip("/").rsplit("/", 1)[-1]


class QueueJournal:
    """An append-only file of `{"op": "send"|"delete"|"purge", …}` lines."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._file = open(path, "a", encoding="utf-8")

    def append(self, entries: list[dict]) -> None:
        if not entries:
            return
        with self._lock:
            self._file.write("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in entries))
            self._file.flush()
            os.fsync(self._file.fileno())

    def close(self) -> None:
        with self._lock:
            self._file.close()


def live_messages(*paths: str) -> list[dict]:
    """Messages sent and not deleted, in order, from one or more journals (a cut-off last line is ignored)."""
    live = {}
    for path in paths:
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # the line a kill cut short was never acknowledged
                if entry.get("op") == "send":
                    live[entry["id"]] = entry
                elif entry.get("op") == "delete":
                    live.pop(entry["id"], None)
                elif entry.get("op") == "purge":
                    live = {k: v for k, v in live.items() if v["queue"] != entry["queue"]}
    return list(live.values())


class JournaledSqs:
    """WSGI middleware over moto that journals SQS sends and deletes before answering them."""

    def __init__(self, app: Callable, journal: QueueJournal) -> None:
        self.app, self.journal = app, journal
        self._receipts: dict[str, str] = {}  # receipt handle -> message id, learnt from ReceiveMessage answers
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target not in JOURNALED:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = self.app(environ, capture)
        try:
            payload = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        if captured["status"].startswith("200"):
            self._journal(target[len(SQS):], json.loads(body or b"{}"), json.loads(payload or b"{}"))
        start_response(captured["status"], captured["headers"])
        return [payload]

    def _journal(self, action, request, answer):
        queue = _queue_name(request.get("QueueUrl"))
        entries = []
        if action == "SendMessage":
            entries.append({"op": "send", "queue": queue, "id": answer["MessageId"], "body": request["MessageBody"]})
        elif action == "SendMessageBatch":
            sent = {s["Id"]: s["MessageId"] for s in answer.get("Successful", [])}
            entries.extend({"op": "send", "queue": queue, "id": sent[e["Id"]], "body": e["MessageBody"]}
                           for e in request.get("Entries", []) if e["Id"] in sent)
        elif action == "ReceiveMessage":
            with self._lock:
                for message in answer.get("Messages", []):
                    self._receipts[message["ReceiptHandle"]] = message["MessageId"]
        elif action in ("DeleteMessage", "DeleteMessageBatch"):
            handles = [request["ReceiptHandle"]] if action == "DeleteMessage" else [
                e["ReceiptHandle"] for e in request.get("Entries", [])]
            with self._lock:
                ids = [self._receipts.pop(h, None) for h in handles]
            entries.extend({"op": "delete", "queue": queue, "id": i} for i in ids if i)
        elif action == "PurgeQueue":
            entries.append({"op": "purge", "queue": queue})
        self.journal.append(entries)


def open_journal(data_dir: str) -> tuple[QueueJournal, list[dict], str]:
    """Set the journal aside for replay and start a fresh one: (journal, messages to send again)."""
    path = os.path.join(data_dir, "queue.journal")
    previous = path + ".replaying"
    if os.path.exists(path):
        if os.path.exists(previous):  # an earlier replay was cut short: its fresh journal holds part of it
            with open(previous, "a", encoding="utf-8") as old, open(path, encoding="utf-8") as new:
                old.write("\n" + new.read())  # after a line a kill may have cut short
            os.remove(path)
        else:
            os.replace(path, previous)
    pending = live_messages(previous)
    return QueueJournal(path), pending, previous


def replay(pending: list[dict], previous_path: str) -> int:
    """Send again what the journal says was never finished (through the journal, so it stays recorded)."""
    from chalicelib.core import aws
    from chalicelib.store import queue

    sqs = aws.client("sqs")
    for entry in pending:
        sqs.send_message(QueueUrl=queue.queue_url(entry["queue"]), MessageBody=entry["body"])
    if os.path.exists(previous_path):
        os.remove(previous_path)
    return len(pending)
