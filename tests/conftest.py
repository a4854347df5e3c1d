"""The test stack: the WeChat sandbox and the AWS emulator on loopback, the app over HTTP.

Tests talk HTTP to the app through Chalice's test client (`api`) or the local HTTP server (`live`), DynamoDB/S3/SQS
through boto3 against the emulator, and WeChat through the sandbox. Every response and every wxbase log line of
every test is checked for secret values (`no_secret_leaks`).
"""
import logging
import os
import sys

import pytest

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_DIR)

from tests.helpers import Api, SandboxControl  # noqa: E402
from tests.stackenv import ADMIN_KEY, JWT_SECRET, TEST_APPS, TEST_ENV  # noqa: E402

# `make test-devstack` (WXBASE_TEST_STACK=devstack) runs the suite on make dev's engines and adds tests/devstack.
# tests/production stays on moto (make test-production): its CloudFormation and files-domain stand-ins read the
# bucket through moto's own S3.
DEVSTACK = os.environ.get("WXBASE_TEST_STACK") == "devstack"
collect_ignore = ["production"] if DEVSTACK else ["devstack"]


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    from devserver.stack import LocalStack

    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
                 "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SQS", "AWS_PROFILE"):
        os.environ.pop(name, None)
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"})
    local = LocalStack(TEST_ENV, data_dir=str(tmp_path_factory.mktemp("devstack")) if DEVSTACK else None)
    local.apply()
    yield local
    local.stop()


@pytest.fixture(scope="session")
def chalice_app(stack):
    import app

    return app.app


@pytest.fixture(scope="session")
def _recorder():
    return []


@pytest.fixture
def api(chalice_app, _recorder):
    from chalice.test import Client

    with Client(chalice_app, stage_name="local", project_dir=PROJECT_DIR) as client:
        yield Api.for_test_client(client, _recorder)


@pytest.fixture(scope="session")
def _live_server(chalice_app):
    from devserver.http import HttpServer

    server = HttpServer(chalice_app, PROJECT_DIR)
    yield server
    server.stop()


@pytest.fixture
def live(_live_server, _recorder):
    """The app served over real HTTP on loopback (thread-safe, for concurrency and gateway behaviour)."""
    return Api.for_url(_live_server.url, _recorder)


@pytest.fixture
def sandbox(stack):
    control = SandboxControl(stack.sandbox.url)
    control.reset()
    # the reset sandbox knows none of the tokens it issued, so the token store starts afresh with it
    from chalicelib.store import keys, table
    from chalicelib.wechat import tokens

    for app in TEST_APPS:
        table.delete(keys.access_token(app["appid"]))
    tokens.central_store().forget()
    return control


@pytest.fixture
def queue(stack):
    """Empties the callback queue; calling the fixture returns the raw bodies queued since."""
    from tests.pushing import drain_queue

    drain_queue()
    return drain_queue


@pytest.fixture
def worker(chalice_app):
    """Runs the deployed worker handler (Chalice's test client) on SQS events built from queued bodies."""
    from chalice.test import Client

    with Client(chalice_app, stage_name="local", project_dir=PROJECT_DIR) as client:
        def run(bodies):
            event = client.events.generate_sqs_event(bodies, queue_name="wxbase-test-callbacks")
            for i, record in enumerate(event["Records"]):
                record["messageId"] = f"m-{i}"
            return client.lambda_.invoke("callback_worker", event).payload

        yield run


@pytest.fixture
def ddb(stack):
    from chalicelib.core import aws

    return aws.client("dynamodb")


def secret_values(stack):
    values = {JWT_SECRET, ADMIN_KEY, *TEST_ENV["WXBASE_ADMIN_KEYS"].split(",")}
    for app in TEST_APPS:
        values.update({app["secret"], app["encodingAESKey"], app["token"]})
    values.update(stack.sandbox.state.issued_session_keys)
    if stack.merchant:  # the sandbox merchant's API private key and APIv3 key
        values.update({stack.merchant["privateKey"], stack.merchant["apiV3Key"]})
    return {v for v in values if v}


@pytest.fixture(autouse=True)
def no_secret_leaks(request, caplog, _recorder):
    """No AppSecret, token, EncodingAESKey, session_key, JWT secret or admin key in any response or log line."""
    caplog.set_level(logging.DEBUG, logger="wxbase")
    _recorder.clear()
    yield
    if "stack" not in request.fixturenames and "api" not in request.fixturenames and "live" not in request.fixturenames:
        return
    from chalicelib.core.logs import JsonFormatter

    stack = request.getfixturevalue("stack")
    values = secret_values(stack)
    if request.node.get_closest_marker("returns_access_token") is None:  # only the token endpoint may show one
        with stack.sandbox.state.lock:
            values.update(list(stack.sandbox.state.tokens))
    formatter = JsonFormatter()
    texts = [formatter.format(r) for r in caplog.records if r.name.startswith("wxbase")]
    texts += [r.getMessage() for r in caplog.records]
    texts += [text for text in _recorder]
    for text in texts:
        for value in values:
            assert value not in text, f"a secret value leaked into: {text[:200]}"


def pytest_configure(config):
    config.addinivalue_line("markers", "returns_access_token: the test reads the admin token endpoint, whose "
                                       "response carries an access_token by design")
