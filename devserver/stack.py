"""The local stack: WeChat sandbox + AWS (embedded engines, or AWS_ENDPOINT_URL*) + environment.

Used by `make dev` (devserver/__main__.py) and by the tests, so both run the same pieces. Two embedded variants:
- with a `data_dir` (make dev's default, docs/local-stack.md): DynamoDB on Amazon's DynamoDB Local, S3 on the disk S3
  (devserver/s3_disk.py), SQS on moto with a journal, all kept under `data_dir`;
- without (the default test suite): moto in memory for all three, which starts in milliseconds.
"""
import json
import os
import socket
from typing import Any

from chalicelib.core import aws
from devserver.aws_emulator import AwsEmulator
from devserver.resources import ensure_all
from devserver.sandbox import Sandbox

ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
                      "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SQS")

# Sandbox apps for a fresh checkout: two mini-programs and an official account under one Open Platform account.
# These are placeholders for the sandbox, not credentials of any real app.
DEFAULT_APPS = [
    {"appid": "wxsandbox00000001", "secret": "sandbox-secret-0001", "token": "sandboxtoken1",
     "encodingAESKey": "sandboxEncodingAesKey0000000000000000000001", "type": "miniprogram",
     "autoReplies": [{"keyword": "hello", "reply": {"msgtype": "text", "text": {"content": "Hi from wxbase!"}}}]},
    {"appid": "wxsandbox00000002", "secret": "sandbox-secret-0002", "token": "sandboxtoken2",
     "encodingAESKey": "sandboxEncodingAesKey0000000000000000000002", "type": "miniprogram"},
    {"appid": "wxsandboxoa000001", "secret": "sandbox-secret-oa01", "token": "sandboxtokenoa",
     "encodingAESKey": "sandboxEncodingAesKey00000000000000000000oa", "type": "officialaccount"},
]

SANDBOX_MCHID = "1900000109"  # the sandbox merchant's number (WeChat Pay's documentation uses it in examples)


def external_aws_configured(environ=os.environ):
    return any(environ.get(name) for name in ENDPOINT_VARIABLES)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalStack:
    def __init__(self, env: dict, sandbox_port: int = 0, aws_port: int = 0, data_dir: str | None = None,
                 host: str = "127.0.0.1", public_host: str | None = None, s3_port: int = 0,
                 dynamodb_port: int = 0) -> None:
        """`env` holds the settings to run with (WXBASE_APPS, secrets, names); AWS/WeChat endpoints are added.

        `host` is where the disk S3 listens (clients upload to it); `public_host` is the address put in the URLs
        clients get. DynamoDB, SQS and the sandbox are only ever on loopback: no client talks to them.
        """
        self.env = dict(env)
        self.env.setdefault("WXBASE_APPS", json.dumps(DEFAULT_APPS))
        configured = json.loads(self.env["WXBASE_APPS"])
        apps = {a["appid"]: a.get("secret", "") for a in configured}
        types = {a["appid"]: a.get("type", "miniprogram") for a in configured}
        self.data_dir = data_dir  # None: the in-memory emulator
        self.emulator: AwsEmulator | None = None
        self.dynamodb: Any = None  # DynamoDBLocal, with a data_dir
        self.s3: Any = None  # DiskS3, with a data_dir
        self.journal: Any = None  # QueueJournal, with a data_dir
        self._pending: list[dict] | None = None
        self._replaying = ""
        self.replayed = 0
        self.sandbox = Sandbox(apps, port=sandbox_port, types=types)
        self.env.setdefault("WECHAT_API_BASE", self.sandbox.url)
        self.merchant = self._sandbox_merchant([a for a, t in types.items() if t == "miniprogram"])
        try:
            if not external_aws_configured({**os.environ, **self.env}):
                for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
                    self.env.setdefault(name, "local")
                if data_dir is None:
                    self.emulator = AwsEmulator(port=aws_port)
                    self.env["AWS_ENDPOINT_URL"] = self.emulator.url
                else:
                    self._start_engines(data_dir, host, public_host or host, s3_port, dynamodb_port, aws_port)
        except BaseException:
            self.stop()
            raise
        self.env.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
        # A table's stream is served where the table is: with DynamoDB on an endpoint of its own and the other
        # services on AWS_ENDPOINT_URL, the stream reader must ask the DynamoDB endpoint, not the generic one.
        merged = {**os.environ, **self.env}
        if merged.get("AWS_ENDPOINT_URL_DYNAMODB") and not merged.get("AWS_ENDPOINT_URL_DYNAMODB_STREAMS"):
            self.env["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = merged["AWS_ENDPOINT_URL_DYNAMODB"]

    def _sandbox_merchant(self, appids: list[str]) -> dict | None:
        """A WeChat Pay merchant of every mini-program, known to the sandbox, unless WXBASE_MERCHANTS is set:
        its WXBASE_MERCHANTS entry (fresh keys each start; the sandbox's orders don't outlive it either)."""
        if self.env.get("WXBASE_MERCHANTS") or os.environ.get("WXBASE_MERCHANTS") or not appids:
            return None
        from devserver.sandbox_pay import SandboxMerchant

        merchant, config = SandboxMerchant.generate(SANDBOX_MCHID, appids)
        self.sandbox.state.pay.add_merchant(merchant)
        entry = self.sandbox.state.pay.merchant_config(config)
        self.env["WXBASE_MERCHANTS"] = json.dumps([entry])
        if not os.environ.get("WECHATPAY_API_BASE"):
            self.env.setdefault("WECHATPAY_API_BASE", self.sandbox.url)
        return entry

    def _start_engines(self, data_dir, host, public_host, s3_port, dynamodb_port, aws_port):
        from devserver.durable_queue import open_journal
        from devserver.dynamodb_local import DynamoDBLocal
        from devserver.s3_disk import DiskS3

        # the JVM boots while the rest starts
        self.dynamodb = DynamoDBLocal(os.path.join(data_dir, "dynamodb"), port=dynamodb_port or free_port())
        credentials = {self.env["AWS_ACCESS_KEY_ID"]: self.env["AWS_SECRET_ACCESS_KEY"]}
        self.s3 = DiskS3(os.path.join(data_dir, "s3"), credentials, host=host, port=s3_port)
        self.journal, self._pending, self._replaying = open_journal(data_dir)
        self.emulator = AwsEmulator(port=aws_port, journal=self.journal)
        self.dynamodb.ready()
        self.env["AWS_ENDPOINT_URL_DYNAMODB"] = self.dynamodb.url
        self.env["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = self.dynamodb.url  # the table's stream, for record_stream
        self.env["AWS_ENDPOINT_URL_S3"] = f"http://{public_host}:{self.s3.server.server_address[1]}"
        self.env["AWS_ENDPOINT_URL_SQS"] = self.emulator.url
        self.env["AWS_ENDPOINT_URL"] = self.emulator.url  # anything else (SSM parameters) on moto, in memory

    def apply(self) -> "LocalStack":
        """Put the stack's environment into os.environ, create the resources, send again unfinished messages."""
        from chalicelib.store import queue

        os.environ.update(self.env)
        aws.reset_clients()
        queue.reset()
        ensure_all()
        if self._pending is not None:
            from devserver.durable_queue import replay

            self.replayed = replay(self._pending, self._replaying)
            self._pending = None
        return self

    def stop(self) -> None:
        for part in (self.sandbox, self.emulator, self.s3, self.dynamodb):
            if part is not None:
                part.stop()
        if self.journal is not None:
            self.journal.close()
