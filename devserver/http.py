"""Serve the Chalice app over HTTP locally, the way API Gateway would.

Two things Chalice's local gateway does differently from the deployed API are put right here:
- An unknown route: Chalice answers API Gateway's own 403, and with an Authorization header its message echoes the
  header (the caller's token) back. The deployed API maps unknown routes to PocketBase's 404 body with a gateway
  response (infra/template.yaml); this server answers the same 404 and never repeats a header.
- A chunked request body: Chalice reads only Content-Length bodies, so a chunked body was left on the connection
  and read as a second, garbage request. Chunked bodies are decoded here (up to the body size limit, as API
  Gateway buffers them); a malformed one is refused with 400 and the connection is closed.
- A method no route has (TRACE, QUERY, …): http.server's own 501 HTML page becomes the 404 of an unknown route,
  as the deployed API (no resource has that method) and PocketBase's router answer.
A refusal that leaves a body unread closes the connection the lingering way: closing a socket with unread input
makes the kernel reset it, and the client, still sending, would lose the answer.
"""
import json
import socket
import threading
import time
from typing import Any

from chalice.local import ChaliceRequestHandler, ForbiddenError, LocalDevServer, ThreadedHTTPServer

from chalicelib.core.errors import NotFound, error_body
from devserver.loopback import LoopbackServer

MAX_CHUNK_LINE = 1024
LINGER_SECONDS, LINGER_BYTES = 2.0, 16 * 1024 * 1024  # how much of a refused body is read and dropped, at most


class _BadRequestBody(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def _body_limit():
    from chalicelib.core.settings import get_settings

    return get_settings().max_body_bytes


class _Handler(ChaliceRequestHandler):
    disable_nagle_algorithm = True  # headers and body are two writes: no waiting for a delayed ACK between them

    def log_message(self, *args):  # the app logs every request itself, as JSON
        pass

    def _read_chunked(self):
        limit, parts, total = _body_limit(), [], 0
        while True:
            line = self.rfile.readline(MAX_CHUNK_LINE + 1)
            if not line.endswith(b"\n"):
                raise _BadRequestBody(400, "The chunked request body is malformed.")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequestBody(400, "The chunked request body is malformed.") from None
            if size < 0:
                raise _BadRequestBody(400, "The chunked request body is malformed.")
            if size == 0:
                break
            total += size
            if total > limit:
                raise _BadRequestBody(413, f"The request body is larger than {limit} bytes.")
            data = self.rfile.read(size)
            if len(data) != size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise _BadRequestBody(400, "The chunked request body is malformed.")
            parts.append(data)
        for _ in range(100):  # trailer fields, then the empty line that ends the message
            line = self.rfile.readline(MAX_CHUNK_LINE + 1)
            if line in (b"\r\n", b"\n"):
                return b"".join(parts)
            if not line.endswith(b"\n"):
                break
        raise _BadRequestBody(400, "The chunked request body is malformed.")

    def _parse_payload(self):
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("transfer-encoding", "content-length")}
        encoding = self.headers.get("Transfer-Encoding")
        length = self.headers.get("Content-Length")
        if encoding is not None:
            if encoding.strip().lower() != "chunked" or length is not None:
                raise _BadRequestBody(400, "Only a plain chunked Transfer-Encoding without Content-Length is "
                                           "accepted.")
            body = self._read_chunked()
        else:
            try:
                size = int(length or 0)
            except ValueError:
                size = -1
            if size < 0:
                raise _BadRequestBody(400, "The Content-Length header is invalid.")
            body = self.rfile.read(size) if size else b""
            if len(body) != size:
                raise _BadRequestBody(400, "The request body is shorter than its Content-Length.")
        if body:
            headers["Content-Length"] = str(len(body))
        return headers, body or None

    def _send_json(self, status, body, close=False):
        headers = {"Content-Type": "application/json", **({"Connection": "close"} if close else {})}
        self._send_http_response(status, headers, json.dumps(body).encode())
        if close:
            self._drain_unread_input()

    def _drain_unread_input(self):
        """Send the answer, stop writing, then read and drop what the client still sends (bounded in time and
        size) so the close is not a reset that loses the answer."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(0.5)
            deadline, read = time.monotonic() + LINGER_SECONDS, 0
            while time.monotonic() < deadline and read < LINGER_BYTES:
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                read += len(chunk)
        except OSError:  # the client went first, or timed out: nothing is left to protect
            pass

    def _generic_handle(self):
        if self.server.websockets is not None and self.server.websockets.wants(self):
            return self.server.websockets.handle(self)  # the realtime WebSocket API (devserver/websocket.py)
        with self.server.active_lock:
            self.server.active += 1
        try:
            self._handle()
        finally:
            with self.server.active_lock:
                self.server.active -= 1

    def _handle(self):
        try:
            headers, body = self._parse_payload()
        except _BadRequestBody as exc:
            self.close_connection = True  # what follows on the connection can't be trusted as a next request
            return self._send_json(exc.status, error_body(exc.status, exc.message), close=True)
        try:
            response = self.local_gateway.handle_request(method=self.command, path=self.path, headers=headers,
                                                         body=body)
        except (ForbiddenError, UnicodeEncodeError):  # no route matched (the gateway's echo of the token is dropped)
            return self._send_json(404, NotFound().body())
        except Exception as exc:  # noqa: BLE001 — Chalice's other gateway errors keep their status, never their text
            status = getattr(exc, "CODE", 500)
            return self._send_json(status, error_body(status, "The request could not be handled."))
        response_headers = response["headers"].copy()
        response_headers.update(response["multiValueHeaders"])
        response = self._handle_binary(response)
        self._send_http_response(response["statusCode"], response_headers, response["body"])
        if self.command not in ("GET", "HEAD", "OPTIONS") and self.server.after_write is not None:
            self.server.after_write()  # e.g. the stream reader looks for the change now rather than at its next poll

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def _no_such_route(self):
        """A method no route has (TRACE, QUERY, …) is an unknown route, not http.server's 501 page. The body is
        never read, so the connection closes."""
        self.close_connection = True
        self._send_json(404, NotFound().body(), close=True)

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self._no_such_route
        raise AttributeError(name)


class _Server(ThreadedHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's default backlog of 5 drops bursts of concurrent clients

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.active, self.active_lock = 0, threading.Lock()
        self.websockets: Any = None  # a devserver.websocket.WebSocketGateway serving PATH on this port
        self.after_write: Any = None  # called once a write request has been answered


def _config(project_dir, stage):
    from chalice.cli.factory import CLIFactory

    return CLIFactory(project_dir).create_config_obj(chalice_stage_name=stage)


class HttpServer(LoopbackServer):
    """The app served over HTTP: `.url`, `.stop()`."""

    def __init__(self, app: Any, project_dir: str, port: int = 0, host: str = "127.0.0.1", stage: str = "local",
                 websockets: Any = None, after_write: Any = None) -> None:
        from chalice.local import LocalChalice

        if not isinstance(app, LocalChalice):
            class _LocalApp(LocalChalice, app.__class__):
                pass

            app.__class__ = _LocalApp
        local = LocalDevServer(app, _config(project_dir, stage), host, port, handler_cls=_Handler, server_cls=_Server)
        local.server.websockets, local.server.after_write = websockets, after_write
        super().__init__(local.server, "http")

    def stop(self, grace: float = 1.0) -> None:
        """Stop accepting, then give requests in progress up to `grace` seconds to be answered."""
        super().stop()
        deadline = time.monotonic() + grace
        while self.server.active and time.monotonic() < deadline:
            time.sleep(0.02)
