"""Plays WeChat's side of the message push in tests: signed query strings and bodies in every mode and format.

Encryption here uses wechatpy (an independent implementation), so the callback is tested against ciphertext wxbase
did not produce.
"""
import json
import secrets
import time
from urllib.parse import urlencode

from wechatpy.crypto import PrpCrypto

from chalicelib.wechat.msgcrypt import aes_key, signature

XML = {"Content-Type": "text/xml"}


def drain_queue():
    """The raw bodies waiting on the callback queue, removed from it."""
    from chalicelib.core import aws
    from chalicelib.store import queue

    sqs, url = aws.client("sqs"), queue.queue_url()
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not got:
            return bodies
        for m in got:
            bodies.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
JSON_TYPE = {"Content-Type": "application/json"}


def text_message(content="hello there", sender=None, msg_id=None):
    return {"ToUserName": "gh_sandbox0001", "FromUserName": sender or "o" + secrets.token_hex(12),
            "CreateTime": int(time.time()), "MsgType": "text", "Content": content,
            "MsgId": msg_id or secrets.randbelow(2**63)}


def event_message(event, sender=None, **fields):
    return {"ToUserName": "gh_sandbox0001", "FromUserName": sender or "o" + secrets.token_hex(12),
            "CreateTime": int(time.time()), "MsgType": "event", "Event": event, **fields}


def to_xml(message):
    def render(value):
        if isinstance(value, dict):
            return "".join(f"<{k}>{render(v)}</{k}>" for k, v in value.items())
        if isinstance(value, (int, float)):
            return str(value)
        return f"<![CDATA[{value}]]>"

    return "<xml>" + render(message) + "</xml>"


class Pusher:
    """Builds (path, body, headers) for one app configuration (a dict from tests/stackenv.py TEST_APPS)."""

    def __init__(self, app):
        self.app = app
        self.crypto = PrpCrypto(aes_key(app["encodingAESKey"]))

    def path(self, **params):
        return f"/api/wechat/callback/{self.app['appid']}?" + urlencode(params)

    def signed(self, timestamp=None, nonce=None):
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or str(secrets.randbelow(10**10))
        return {"timestamp": timestamp, "nonce": nonce,
                "signature": signature(self.app["token"], timestamp, nonce)}

    def verification(self, echostr, **overrides):
        params = {**self.signed(), "echostr": echostr, **overrides}
        return self.path(**params)

    def encrypt(self, plaintext, appid=None):
        return self.crypto.encrypt(plaintext, appid or self.app["appid"]).decode()

    def push(self, message, mode="safe", fmt="xml", timestamp=None, encrypt=None, params=None):
        """(path, body, headers). `encrypt` replaces the ciphertext (for forged or malformed envelopes)."""
        plaintext = to_xml(message) if fmt == "xml" else json.dumps(message, ensure_ascii=False)
        headers = XML if fmt == "xml" else JSON_TYPE
        query = self.signed(timestamp)
        if mode == "plaintext":
            return self.path(**{**query, **(params or {})}), plaintext, headers
        ciphertext = encrypt if encrypt is not None else self.encrypt(plaintext)
        envelope = {"ToUserName": message.get("ToUserName", "gh_x"), "Encrypt": ciphertext}
        if mode == "compatible":
            envelope = {**message, "Encrypt": ciphertext}
        body = to_xml(envelope) if fmt == "xml" else json.dumps(envelope, ensure_ascii=False)
        query.update(encrypt_type="aes",
                     msg_signature=signature(self.app["token"], query["timestamp"], query["nonce"], ciphertext))
        return self.path(**{**query, **(params or {})}), body, headers
