"""A create whose TransactWriteItems commits but whose answer never arrives is retried by botocore with the same
ClientRequestToken; DynamoDB Local (like DynamoDB) answers the resend with success, so the author gets 200 once
and one record is stored, never "The record id is already taken" for their own record. (moto ignores the token.)"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.records_helpers import user


class DropFirstTransaction(BaseHTTPRequestHandler):
    """Forwards to DynamoDB; the first TransactWriteItems is forwarded and committed, then its answer is dropped."""

    protocol_version = "HTTP/1.1"
    upstream = None
    attempts = None  # [(ClientRequestToken, upstream status)]
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        target = self.headers.get("X-Amz-Target", "")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        answer = requests.post(self.upstream, data=body, headers=headers, timeout=30)
        if target.endswith(".TransactWriteItems"):
            with self.lock:
                self.attempts.append((json.loads(body).get("ClientRequestToken"), answer.status_code))
                first = len(self.attempts) == 1
            if first:  # committed upstream; the client sees the connection close with no answer
                self.close_connection = True
                return
        self.send_response(answer.status_code)
        for name in ("Content-Type", "x-amzn-RequestId", "x-amz-crc32"):
            if name in answer.headers:
                self.send_header(name, answer.headers[name])
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)


@pytest.fixture
def dropping_proxy(stack, monkeypatch):
    from chalicelib.core import aws

    attempts = []
    handler = type("Bound", (DropFirstTransaction,), {"upstream": stack.env["AWS_ENDPOINT_URL_DYNAMODB"],
                                                      "attempts": attempts})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{server.server_address[1]}")
    aws.reset_clients()
    yield attempts
    monkeypatch.undo()
    aws.reset_clients()
    server.shutdown()
    server.server_close()


def test_create_retried_after_its_commit_answers_200_once_with_one_record(api, dropping_proxy):
    alice = user(api)  # logs in before the proxy drops anything (login's transaction is the first one otherwise)
    dropping_proxy.clear()
    reply = api.post("/api/collections/posts/records", {"title": "sent once, stored once", "status": "published"},
                     token=alice["token"])
    assert reply.status == 200, reply
    tokens = [token for token, _ in dropping_proxy]
    assert len(dropping_proxy) == 2 and dropping_proxy[0][1] == 200, dropping_proxy  # committed, then retried
    assert tokens[0] and tokens[0] == tokens[1]  # botocore resent the same token
    mine = api.get("/api/collections/posts/records?filter=" + requests.utils.quote(f'owner = "{alice["id"]}"'),
                   token=alice["token"]).json
    assert [r["title"] for r in mine["items"]] == ["sent once, stored once"]
    assert mine["totalItems"] == 1  # the counters were bumped once too


def test_each_logical_write_gets_its_own_token(api, dropping_proxy):
    alice = user(api)
    dropping_proxy.clear()
    for title in ("one", "two"):
        assert api.post("/api/collections/posts/records", {"title": title, "status": "published"},
                        token=alice["token"]).status == 200
    tokens = [token for token, _ in dropping_proxy]
    assert len(tokens) == 3 and tokens[0] == tokens[1] != tokens[2]  # the first create dropped once, then retried
