"""The realtime pieces make dev runs, as one object for the tests and the benchmark: the app over HTTP with the
WebSocket endpoint on its port (devserver/websocket.py) and the table's stream read into record_stream
(devserver/streams.py), woken by each answered write. The app's settings point at the endpoint while it runs."""
from __future__ import annotations

import os
from typing import Any

from devserver.http import HttpServer
from devserver.streams import StreamReader
from devserver.websocket import IDLE_SECONDS, MAX_SECONDS, PATH, WebSocketGateway


class RealtimeServer:
    def __init__(self, app_module: Any, project_dir: str, host: str = "127.0.0.1", port: int = 0,
                 idle_seconds: float = IDLE_SECONDS, max_seconds: float = MAX_SECONDS,
                 poll_interval: float = 0.2) -> None:
        self.gateway = WebSocketGateway(app_module, idle_seconds=idle_seconds, max_seconds=max_seconds)
        self.stream = StreamReader(lambda event, context: app_module.record_stream(event, context))
        self.http = HttpServer(app_module.app, project_dir, port=port, host=host, websockets=self.gateway,
                               after_write=self.stream.wake)
        self.url = self.http.url
        self.ws_url = self.url.replace("http://", "ws://", 1) + PATH
        self._saved = {name: os.environ.get(name) for name in self.gateway.environment(self.ws_url)}
        os.environ.update(self.gateway.environment(self.ws_url))
        self.stream.start(interval=poll_interval)

    def stop(self) -> None:
        self.stream.stop()
        self.gateway.stop()
        self.http.stop()
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
