"""Shared pieces of the realtime tests: the app served with its WebSocket endpoint and the stream reader (what make dev
runs), and WebSocket clients that speak the protocol (docs/realtime.md)."""
import json
import queue
import threading
import time

import pytest

from tests.conftest import PROJECT_DIR
from tests.helpers import Api


@pytest.fixture(scope="module")
def realtime_server(stack):
    """Started per test module: its stream reader runs every record_stream step, so it stops with the module."""
    import app as module
    from devserver.realtime import RealtimeServer

    server = RealtimeServer(module, PROJECT_DIR, poll_interval=0.05)
    yield server
    server.stop()


@pytest.fixture
def rt(realtime_server, _recorder):
    return Api.for_url(realtime_server.url, _recorder)


class Client:
    """One WebSocket connection; messages are read on a thread and kept in order."""

    def __init__(self, url, recorder=None):
        from websockets.sync.client import connect

        self.ws = connect(url, max_size=None, open_timeout=10, legacy=True)
        self.inbox = queue.Queue()
        self.recorder = recorder
        self.closed = threading.Event()
        self.close_code = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        from websockets.exceptions import ConnectionClosed

        try:
            for message in self.ws:
                if self.recorder is not None:
                    self.recorder.append(message)
                self.inbox.put(json.loads(message))
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self.closed.set()

    def send(self, value):
        self.ws.send(value if isinstance(value, (str, bytes)) else json.dumps(value))

    def auth(self, token):
        self.send({"type": "auth", "token": token})

    def subscribe(self, sub_id, topic, filter=None):
        body = {"type": "subscribe", "id": sub_id, "topic": topic}
        if filter is not None:
            body["filter"] = filter
        self.send(body)

    def next(self, timeout=10.0):
        return self.inbox.get(timeout=timeout)

    def sync(self, timeout=10.0):
        """Send a ping and return what arrived before its pong (the server answers a connection's messages in
        order, so every earlier message has been handled by then)."""
        self.send({"type": "ping"})
        before = []
        while True:
            message = self.next(timeout)
            if message == {"type": "pong"}:
                return before
            before.append(message)

    def events(self, count, timeout=10.0):
        found, deadline = [], time.monotonic() + timeout
        while len(found) < count:
            message = self.next(max(0.01, deadline - time.monotonic()))
            if message.get("type") == "event":
                found.append(message)
        return found

    def quiet(self, seconds=0.6):
        """What arrives within `seconds` (nothing, usually)."""
        found, deadline = [], time.monotonic() + seconds
        while True:
            try:
                found.append(self.next(max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                return found

    def close(self):
        self.ws.close()
        self.closed.wait(5)

