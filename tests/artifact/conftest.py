"""Fixtures of `make test-artifact`: the built package, its handlers in runtime processes, and a recorder standing
in for API Gateway's @connections API. Skipped unless WXBASE_ARTIFACT=1 (the make target sets it)."""
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import pytest

from tests.artifact import runtime


def pytest_collection_modifyitems(config, items):
    if os.environ.get("WXBASE_ARTIFACT") != "1":
        skip = pytest.mark.skip(reason="builds the Lambda package: make test-artifact")
        for item in items:
            if "tests/artifact/" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def artifact(tmp_path_factory):
    return runtime.Artifact(str(tmp_path_factory.mktemp("artifact")))


@pytest.fixture(scope="session")
def runtime_python():
    return runtime.runtime_python()


class Connections:
    """API Gateway's @connections API as the WebSocket handlers see it: records what is posted to each connection."""

    def __init__(self):
        self.posted: dict = {}
        connections = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                connections.posted.setdefault(unquote(self.path.rsplit("/", 1)[-1]), []).append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture(scope="session")
def connections():
    found = Connections()
    yield found
    found.server.shutdown()


@pytest.fixture(scope="session")
def handlers(artifact, runtime_python, stack, connections):
    """{logical id: Handler} for every function of the template, started once (their cold imports measured)."""
    started = {}
    try:
        for name, props in artifact.functions().items():
            env = runtime.lambda_env({**stack.env, "WXBASE_REALTIME_MANAGEMENT_URL": connections.url}, props)
            started[name] = runtime.Handler(runtime_python, artifact, props["Handler"], env)
        yield started
    finally:
        for handler in started.values():
            handler.close()
