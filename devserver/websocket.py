"""What API Gateway's WebSocket API does for the deployed app, done locally for `make dev` and the tests (chalice
local has no WebSocket support):

- accepts WebSocket connections (RFC 6455) on the HTTP server's port, at PATH;
- calls the app's own $connect, $default and $disconnect handlers (app.realtime_connect, realtime_message,
  realtime_disconnect) with API Gateway's event shape, one message at a time per connection;
- serves the @connections management API (PostToConnection, GetConnection, DeleteConnection; 410 GoneException
  for a connection that is not open) on a loopback port, so the app's realtime/delivery.py is the deployed code;
- applies API Gateway's limits: a frame over 32 KB closes the connection (1009), a connection idle for
  `idle_seconds` (10 minutes) or open for `max_seconds` (2 hours) is closed (1001).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import unquote

PATH = "/api/realtime/socket"
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_FRAME_BYTES = 32 * 1024  # API Gateway's WebSocket frame size
MAX_MESSAGE_BYTES = 128 * 1024  # API Gateway's message payload size (PostToConnection too)
IDLE_SECONDS = 600
MAX_SECONDS = 7200

TEXT, BINARY, CONTINUATION, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA


class _Closed(Exception):
    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class _Context:
    function_name = "local"
    aws_request_id = "local"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 29_000


class Connection:
    """One open WebSocket connection: frames in on its handler's thread, frames out from any thread."""

    def __init__(self, gateway: "WebSocketGateway", sock: socket.socket, rfile: Any, headers: dict[str, str],
                 source_ip: str) -> None:
        self.gateway, self.sock, self.rfile = gateway, sock, rfile
        self.id = base64.b64encode(os.urandom(10)).decode()  # shaped like API Gateway's ids ("L0SM9cOFvHcCIhw=")
        self.headers, self.source_ip = headers, source_ip
        self.connected_at = time.time()
        self.last_active = self.connected_at
        self.busy = False  # the app is handling one of its messages (frames after it wait in the socket, unread)
        self.open = True
        self._write = threading.Lock()

    # --- out ---
    def _send_frame(self, opcode: int, payload: bytes, fin: bool = True) -> None:
        head = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([n])
        elif n < 65536:
            head += bytes([126]) + struct.pack("!H", n)
        else:
            head += bytes([127]) + struct.pack("!Q", n)
        self.sock.sendall(head + payload)

    def send_text(self, data: bytes) -> None:
        """A message, split into frames of at most 32 KB as API Gateway sends them."""
        with self._write:
            if not self.open:
                raise _Closed(1006)
            chunks = [data[i:i + MAX_FRAME_BYTES] for i in range(0, len(data), MAX_FRAME_BYTES)] or [b""]
            for i, chunk in enumerate(chunks):
                self._send_frame(TEXT if i == 0 else CONTINUATION, chunk, fin=i == len(chunks) - 1)

    def close(self, code: int = 1000, reason: str = "") -> None:
        with self._write:
            if not self.open:
                return
            self.open = False
            try:
                self._send_frame(CLOSE, struct.pack("!H", code) + reason.encode()[:120])
            except OSError:
                pass
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # --- in ---
    def _read(self, n: int) -> bytes:
        data = self.rfile.read(n)
        if len(data) != n:
            raise _Closed(1006)
        return data

    def read_frame(self) -> tuple[bool, int, bytes]:
        b1, b2 = self._read(2)
        fin, opcode, masked, length = bool(b1 & 0x80), b1 & 0x0F, bool(b2 & 0x80), b2 & 0x7F
        if b1 & 0x70:
            raise _Closed(1002, "reserved bits")
        if length == 126:
            length = struct.unpack("!H", self._read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read(8))[0]
        if not masked:
            raise _Closed(1002, "client frames must be masked")
        if length > MAX_FRAME_BYTES:
            raise _Closed(1009, "frame too large")
        mask = self._read(4)
        data = self._read(length)
        keystream = (mask * (length // 4 + 1))[:length]
        return fin, opcode, (int.from_bytes(data, "big") ^ int.from_bytes(keystream, "big")).to_bytes(length, "big")

    def messages(self) -> Any:
        """Each complete data message (opcode, payload); control frames answered here."""
        parts: list[bytes] = []
        kind = None
        while True:
            fin, opcode, payload = self.read_frame()
            self.last_active = time.time()
            if opcode == PING:
                with self._write:
                    self._send_frame(PONG, payload)
                continue
            if opcode == PONG:
                continue
            if opcode == CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                raise _Closed(code if code != 1005 else 1000)
            if opcode in (TEXT, BINARY):
                if kind is not None:
                    raise _Closed(1002, "a new message inside a fragmented one")
                kind, parts = opcode, [payload]
            elif opcode == CONTINUATION and kind is not None:
                parts.append(payload)
            else:
                raise _Closed(1002, "unexpected frame")
            if sum(len(p) for p in parts) > MAX_MESSAGE_BYTES:
                raise _Closed(1009, "message too large")
            if fin:
                yield kind, b"".join(parts)
                kind, parts = None, []


class WebSocketGateway:
    """The local WebSocket API of one app module: `handle(request_handler)` serves an upgrade request;
    `management_url` is its @connections endpoint."""

    def __init__(self, app_module: Any, idle_seconds: float = IDLE_SECONDS, max_seconds: float = MAX_SECONDS,
                 stage: str = "local") -> None:
        self.app = app_module
        self.idle_seconds, self.max_seconds, self.stage = idle_seconds, max_seconds, stage
        self.connections: dict[str, Connection] = {}
        self.handling = 0  # connections whose handler thread has not finished ($disconnect included)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.management = ThreadingHTTPServer(("127.0.0.1", 0), _management_handler(self))
        self.management.daemon_threads = True
        threading.Thread(target=self.management.serve_forever, name="ws-management", daemon=True).start()
        threading.Thread(target=self._sweep, name="ws-limits", daemon=True).start()

    @property
    def management_url(self) -> str:
        return f"http://127.0.0.1:{self.management.server_address[1]}"

    def environment(self, public_url: str) -> dict[str, str]:
        """The app's settings for this endpoint: the URL clients get, and where the management API is."""
        return {"WXBASE_REALTIME_URL": public_url, "WXBASE_REALTIME_MANAGEMENT_URL": self.management_url}

    @staticmethod
    def wants(handler: BaseHTTPRequestHandler) -> bool:
        return handler.command == "GET" and handler.path.split("?")[0] == PATH \
            and "websocket" in (handler.headers.get("Upgrade") or "").lower()

    # --- API Gateway's calls into the app ---
    def _event(self, connection: Connection, route: str, kind: str, body: str | None = None) -> dict[str, Any]:
        now = int(time.time() * 1000)
        context = {"routeKey": route, "eventType": kind, "connectionId": connection.id, "domainName": "localhost",
                   "stage": self.stage, "apiId": "local", "requestId": uuid.uuid4().hex, "messageDirection": "IN",
                   "connectedAt": int(connection.connected_at * 1000), "requestTimeEpoch": now,
                   "identity": {"sourceIp": connection.source_ip}}
        event: dict[str, Any] = {"requestContext": context, "isBase64Encoded": False}
        if kind == "CONNECT":
            event["headers"] = dict(connection.headers)
        if body is not None:
            event["body"] = body
        return event

    def _call(self, handler: Callable[..., Any], event: dict[str, Any]) -> bool:
        try:
            result = handler(event, _Context())
        except Exception as exc:  # noqa: BLE001 — a failed invocation, as API Gateway sees one
            print(f"[wxbase] websocket handler failed: {exc.__class__.__name__}", flush=True)
            return False
        return not isinstance(result, dict) or int(result.get("statusCode", 200)) < 300

    # --- one connection, on the HTTP server's handler thread ---
    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        key = (handler.headers.get("Sec-WebSocket-Key") or "").strip()
        try:
            valid = len(base64.b64decode(key, validate=True)) == 16
        except ValueError:
            valid = False
        if handler.headers.get("Sec-WebSocket-Version") != "13" or not valid:
            handler.send_response(400)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        connection = Connection(self, handler.connection, handler.rfile, dict(handler.headers.items()),
                                handler.client_address[0])
        if not self._call(self.app.realtime_connect, self._event(connection, "$connect", "CONNECT")):
            handler.send_response(500)  # API Gateway refuses the upgrade when $connect fails
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        handler.send_response_only(101)
        handler.send_header("Upgrade", "websocket")
        handler.send_header("Connection", "Upgrade")
        handler.send_header("Sec-WebSocket-Accept", accept)
        handler.end_headers()
        handler.wfile.flush()
        handler.close_connection = True
        with self._lock:
            self.connections[connection.id] = connection
            self.handling += 1
        code = 1000
        try:
            for kind, payload in connection.messages():
                if kind == BINARY:  # CONVERT_TO_TEXT: the app gets binary messages base64-encoded
                    body = base64.b64encode(payload).decode()
                else:
                    try:
                        body = payload.decode("utf-8")
                    except UnicodeDecodeError:
                        raise _Closed(1007, "invalid UTF-8") from None
                connection.busy = True
                try:
                    self._call(self.app.realtime_message, self._event(connection, "$default", "MESSAGE", body))
                finally:
                    connection.busy, connection.last_active = False, time.time()
        except _Closed as closed:
            code = closed.code
        except OSError:
            code = 1006
        finally:
            with self._lock:
                self.connections.pop(connection.id, None)
            if connection.open and code not in (1006,):
                connection.close(code)
            connection.open = False
            self._call(self.app.realtime_disconnect, self._event(connection, "$disconnect", "DISCONNECT"))
            with self._lock:
                self.handling -= 1

    def _sweep(self) -> None:
        while not self._stop.wait(min(1.0, self.idle_seconds / 4)):
            now = time.time()
            with self._lock:
                connections = list(self.connections.values())
            for c in connections:
                # API Gateway counts a connection idle when the client sends nothing: frames that arrived while
                # the app handled a slow message are activity it hasn't read yet
                idle = not c.busy and now - c.last_active > self.idle_seconds
                if idle or now - c.connected_at > self.max_seconds:
                    c.close(1001, "Going away")

    # --- the @connections API ---
    def post(self, connection_id: str, data: bytes) -> int:
        with self._lock:
            connection = self.connections.get(connection_id)
        if connection is None or not connection.open:
            return 410
        if len(data) > MAX_MESSAGE_BYTES:
            return 413
        try:
            connection.send_text(data)
        except (OSError, _Closed):
            return 410
        return 200

    def info(self, connection_id: str) -> dict[str, Any] | None:
        with self._lock:
            connection = self.connections.get(connection_id)
        if connection is None:
            return None
        stamp = lambda t: datetime.fromtimestamp(t, timezone.utc).isoformat()  # noqa: E731
        return {"ConnectedAt": stamp(connection.connected_at), "LastActiveAt": stamp(connection.last_active),
                "Identity": {"SourceIp": connection.source_ip,
                             "UserAgent": connection.headers.get("User-Agent", "")}}

    def drop(self, connection_id: str) -> bool:
        with self._lock:
            connection = self.connections.get(connection_id)
        if connection is None:
            return False
        connection.close(1000)
        return True

    def stop(self, grace: float = 2.0) -> None:
        """Close every connection and give their $disconnect calls `grace` seconds to finish."""
        self._stop.set()
        with self._lock:
            connections = list(self.connections.values())
        for c in connections:
            c.close(1001, "Going away")
        deadline = time.monotonic() + grace
        while self.handling and time.monotonic() < deadline:
            time.sleep(0.02)
        self.management.shutdown()
        self.management.server_close()


def _management_handler(gateway: WebSocketGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no waiting for a delayed ACK between

        def log_message(self, *args: Any) -> None:
            pass

        def _connection_id(self) -> str | None:
            path = self.path.split("?")[0]
            prefix = "/@connections/"
            return unquote(path[len(prefix):]) if path.startswith(prefix) else None

        def _answer(self, status: int, body: dict | None = None, error: str | None = None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            if error:
                self.send_header("x-amzn-ErrorType", error)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _gone(self) -> None:
            self._answer(410, {"message": None}, "GoneException")

        def do_POST(self) -> None:
            connection_id = self._connection_id()
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if connection_id is None:
                return self._answer(404, {"message": "Not Found"}, "NotFoundException")
            status = gateway.post(connection_id, data)
            if status == 413:
                return self._answer(413, {"message": "Payload too large"}, "PayloadTooLargeException")
            return self._gone() if status == 410 else self._answer(200)

        def do_GET(self) -> None:
            connection_id = self._connection_id()
            found = gateway.info(connection_id) if connection_id else None
            return self._gone() if found is None else self._answer(200, found)

        def do_DELETE(self) -> None:
            connection_id = self._connection_id()
            return self._answer(204) if connection_id and gateway.drop(connection_id) else self._gone()

    return Handler
