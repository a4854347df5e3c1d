"""The local stack: WeChat sandbox + AWS (embedded emulator, or AWS_ENDPOINT_URL*) + environment.

Used by `make dev` (devserver/__main__.py) and by the tests, so both run the same pieces.
"""
import json
import os

from chalicelib.core import aws
from devserver.aws_emulator import AwsEmulator
from devserver.resources import ensure_all
from devserver.sandbox import Sandbox

ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SQS")

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


def external_aws_configured(environ=os.environ):
    return any(environ.get(name) for name in ENDPOINT_VARIABLES)


class LocalStack:
    def __init__(self, env, sandbox_port=0, aws_port=0):
        """`env` holds the settings to run with (WXBASE_APPS, secrets, names); AWS/WeChat endpoints are added."""
        self.env = dict(env)
        self.env.setdefault("WXBASE_APPS", json.dumps(DEFAULT_APPS))
        configured = json.loads(self.env["WXBASE_APPS"])
        apps = {a["appid"]: a.get("secret", "") for a in configured}
        types = {a["appid"]: a.get("type", "miniprogram") for a in configured}
        self.sandbox = Sandbox(apps, port=sandbox_port, types=types)
        self.env.setdefault("WECHAT_API_BASE", self.sandbox.url)
        self.emulator = None
        if not external_aws_configured({**os.environ, **self.env}):
            self.emulator = AwsEmulator(port=aws_port)
            self.env["AWS_ENDPOINT_URL"] = self.emulator.url
            for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
                self.env.setdefault(name, "local")
        self.env.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))

    def apply(self):
        """Put the stack's environment into os.environ and create the resources."""
        os.environ.update(self.env)
        aws.reset_clients()
        ensure_all()
        return self

    def stop(self):
        self.sandbox.stop()
        if self.emulator:
            self.emulator.stop()
