"""The embedded AWS emulator for `make dev` and the tests: moto's server, in-process, on loopback.

moto's DynamoDB model checks a condition and then writes without holding a lock, so two threads can both pass
`attribute_not_exists`. Real DynamoDB applies each write atomically; serializing DynamoDB requests here gives the
emulator that guarantee (and lets the concurrency tests mean something). S3 and SQS requests run in parallel.
"""
import threading
from typing import Any

from werkzeug.serving import make_server

from devserver.loopback import LoopbackServer


class _SerializedDynamoDB:
    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            return self.app(environ, start_response)
        with self.lock:
            response = self.app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                close = getattr(response, "close", None)
                if close:
                    close()


class AwsEmulator(LoopbackServer):
    """moto on 127.0.0.1: `.url`, `.stop()`. With a `journal` (devserver/durable_queue.py) SQS is durable."""

    def __init__(self, port=0, journal=None):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

        class QuietHandler(MotoRequestHandler):
            def log_request(self, *args, **kwargs):
                pass

        app: Any = _SerializedDynamoDB(DomainDispatcherApplication(create_backend_app))
        if journal is not None:
            from devserver.durable_queue import JournaledSqs

            app = JournaledSqs(app, journal)
        super().__init__(make_server("127.0.0.1", port, app, threaded=True, request_handler=QuietHandler),
                         "aws-emulator")
