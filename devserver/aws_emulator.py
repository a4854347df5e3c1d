"""The embedded AWS emulator for `make dev` and the tests: moto's server, in-process, on loopback.

moto's DynamoDB model checks a condition and then writes without holding a lock, so two threads can both pass
`attribute_not_exists`. Real DynamoDB applies each write atomically; serializing DynamoDB requests here gives the
emulator that guarantee (and lets the concurrency tests mean something). S3 and SQS requests run in parallel.
moto backs up a whole table (a deep copy) for each action of a transaction, to roll back a cancelled one; with the
tests' table of thousands of items, concurrent multi-item transactions (a record with its unique markers and
counters) then take seconds each. Here a transaction journals only the items it touches and restores those.
"""
import copy
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


class _TableBackups:
    """Stands in for the `copy` module inside moto's DynamoDB models: while a journaled transaction runs (DynamoDB
    requests are serialized), the "backup" of a table is the table itself; everything else is copied as usual."""

    def __init__(self):
        self.journaling = False

    def deepcopy(self, value, *args, **kwargs):
        from moto.dynamodb.models.table import Table

        if self.journaling and isinstance(value, Table):
            return value
        return copy.deepcopy(value, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(copy, name)


def _journal_transactions():
    from moto.dynamodb import models

    if isinstance(getattr(models, "copy", None), _TableBackups):
        return
    backups = _TableBackups()
    transact = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        try:
            journal = []
            for entry in transact_items:
                _, op = next(iter(entry.items()))
                table = self.get_table(op["TableName"])
                key = op.get("Key") or {name: op["Item"][name] for name in (table.hash_key_attr, table.range_key_attr)
                                        if name}
                before = self.get_item(op["TableName"], key)
                attributes = copy.deepcopy(before.to_json()["Attributes"]) if before else None
                journal.append((op["TableName"], key, attributes))
        except Exception:
            return transact(self, transact_items)  # moto's own checks answer a malformed transaction
        backups.journaling = True
        try:
            return transact(self, transact_items)
        except Exception:
            for table_name, key, attributes in reversed(journal):
                if attributes is None:
                    self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, copy.deepcopy(attributes))
            raise
        finally:
            backups.journaling = False

    models.copy = backups
    models.DynamoDBBackend.transact_write_items = transact_write_items


class AwsEmulator(LoopbackServer):
    """moto on 127.0.0.1: `.url`, `.stop()`. With a `journal` (devserver/durable_queue.py) SQS is durable."""

    def __init__(self, port=0, journal=None):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

        class QuietHandler(MotoRequestHandler):
            def log_request(self, *args, **kwargs):
                pass

        _journal_transactions()
        app: Any = _SerializedDynamoDB(DomainDispatcherApplication(create_backend_app))
        if journal is not None:
            from devserver.durable_queue import JournaledSqs

            app = JournaledSqs(app, journal)
        super().__init__(make_server("127.0.0.1", port, app, threaded=True, request_handler=QuietHandler),
                         "aws-emulator")
