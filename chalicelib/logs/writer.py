"""Log entries written off the request's path: `add` only appends to a list (microseconds); one background thread
writes what has gathered within GATHER_SECONDS with BatchWriteItem, 25 at a time.

In Lambda the thread is frozen with the environment between invocations, so entries made just before an
answer are written while the next invocation runs; an environment reclaimed while frozen loses those (CloudWatch
still has the request's structured line). A failed write is logged and dropped, never retried into the next
request. At most MAX_PENDING entries wait: beyond that the oldest are dropped, so a database outage can't grow
memory without bound.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from chalicelib.core import logs
from chalicelib.core.settings import get_settings
from chalicelib.store import table

MAX_PENDING = 5000
BATCH = 25  # one BatchWriteItem
GATHER_SECONDS = 0.1  # how long the first entry of a batch waits for others (fewer, fuller writes)

_pending: list[tuple[str, dict[str, Any]]] = []  # (table name, item): the table as configured when it was made
_writing = 0  # entries taken by the thread and not written yet
_cond = threading.Condition()
_thread: threading.Thread | None = None
dropped = 0  # entries dropped since the process started (a full queue or a failed write)


def add(item: dict[str, Any]) -> None:
    global _thread, dropped
    with _cond:
        _pending.append((get_settings().table_name, item))
        if len(_pending) > MAX_PENDING:
            del _pending[0]
            dropped += 1
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="wxbase-request-logs", daemon=True)
            _thread.start()
        if len(_pending) in (1, BATCH):
            _cond.notify_all()  # only a new batch or a full one wakes the writer: no GIL hand-off per request


def flush(timeout: float = 5.0) -> bool:
    """Wait until every entry added so far is written (or dropped); False if that took longer than `timeout`."""
    deadline = time.monotonic() + timeout
    with _cond:
        while _pending or _writing:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _cond.wait(left)
    return True


def _take() -> list[tuple[str, dict[str, Any]]]:
    global _writing
    with _cond:
        while not _pending:
            _cond.wait()
        gathered_by = time.monotonic() + GATHER_SECONDS
        while len(_pending) < BATCH and time.monotonic() < gathered_by:
            _cond.wait(gathered_by - time.monotonic())
        batch = _pending[:BATCH]
        del _pending[:BATCH]
        _writing = len(batch)
        return batch


def _run() -> None:
    global _writing, dropped
    while True:
        batch = _take()
        try:
            for name in {t for t, _ in batch}:
                table.batch_put([item for t, item in batch if t == name], table_name=name)
        except Exception as exc:  # noqa: BLE001 - a log write must never take the process down
            dropped += len(batch)
            logs.event("request_logs.write_failed", count=len(batch), reason=exc.__class__.__name__)
        finally:
            with _cond:
                _writing = 0
                _cond.notify_all()
