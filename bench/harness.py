"""Shared pieces of the benchmark: the local stack, a botocore request counter, and the result table."""
import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMOKE = bool(os.environ.get("BENCH_SMOKE"))  # make bench-smoke: every section at a small size, to keep it running


def size(full, smoke):
    """How much a section does: `full` under make bench, `smoke` under make bench-smoke."""
    return smoke if SMOKE else full


def start_stack():
    """The same local stack as the tests (sandbox + emulator), with bench-only settings."""
    import secrets

    sys.path.insert(0, PROJECT_DIR)
    import logging

    from chalicelib.core import logs
    from devserver.stack import LocalStack

    logs.configure()
    logging.getLogger("wxbase").setLevel(logging.WARNING)  # the table is the output

    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SQS"):
        os.environ.pop(name, None)
    env = {"WXBASE_JWT_SECRET": secrets.token_urlsafe(48), "WXBASE_ADMIN_KEYS": secrets.token_urlsafe(24),
           "WXBASE_TABLE": "wxbase-bench", "WXBASE_BUCKET": "wxbase-bench-files", "WXBASE_QUEUE": "wxbase-bench",
           "WXBASE_RATE_LIMITS": "[]"}  # bench/limits.py measures them on against off
    return LocalStack(env).apply()


def start_devstack(stack, prefix):
    """A stack of make dev's own engines (DynamoDB Local, the disk S3) in a fresh data folder, for the sections that
    measure them; it replaces the emulator for the rest of the process. Returns it applied (call .stop())."""
    import tempfile

    from devserver.stack import ENDPOINT_VARIABLES, LocalStack

    for name in ENDPOINT_VARIABLES:
        os.environ.pop(name, None)
    env = {k: stack.env[k] for k in ("WXBASE_JWT_SECRET", "WXBASE_ADMIN_KEYS")}
    own = LocalStack({**env, "WXBASE_TABLE": "wxbase"}, data_dir=tempfile.mkdtemp(prefix=prefix)).apply()
    assert own.dynamodb is not None, "the bench must measure DynamoDB Local, not the in-memory emulator"
    return own


class RequestCounter:
    """Counts AWS API calls per operation, at botocore's level (what is billed)."""

    def __init__(self, service):
        from chalicelib.core import aws

        self.calls = []
        aws.client(service).meta.events.register(f"before-call.{service}", self._record)

    def _record(self, model, **kwargs):
        self.calls.append(model.name)

    @contextmanager
    def measure(self):
        start = len(self.calls)
        box = []
        yield box
        box.extend(self.calls[start:])


def sign_in(client, name):
    """(token, user id) of sandbox user `name` of the first mini-program, signed in through a Chalice test client."""
    import json

    from chalicelib.core import settings

    appid = settings.get_settings().miniprograms[0].appid
    login = client.http.post("/api/wechat/login", headers={"Content-Type": "application/json"},
                             body=json.dumps({"code": f"sandbox-{name}", "appid": appid}).encode())
    me = json.loads(login.body)
    return me["token"], me["record"]["id"]


def median_seconds(command, runs=size(7, 1), env=None):
    """Median time of a fresh interpreter running `command` (the code measures itself and prints seconds)."""
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", command], cwd=PROJECT_DIR, capture_output=True, text=True,
                             check=True, env=env)
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def timed(fn, repeat):
    started = time.perf_counter()
    for i in range(repeat):
        fn(i)
    return (time.perf_counter() - started) / repeat


def print_table(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
        if n == 0:
            print("  ".join("-" * w for w in widths))
