"""Rows for user data and messaging: DynamoDB requests per phone bind, per decrypt, and per sender run."""
import base64
import json
import os
import time

from bench.harness import RequestCounter


def _encrypt(session_key, payload):
    from Crypto.Cipher import AES

    plain = json.dumps(payload).encode()
    pad = 16 - len(plain) % 16
    iv = os.urandom(16)
    data = AES.new(base64.b64decode(session_key), AES.MODE_CBC, iv).encrypt(plain + bytes([pad]) * pad)
    return base64.b64encode(data).decode(), base64.b64encode(iv).decode()


def rows(stack):
    from chalice.test import Client

    import app
    from chalicelib.core import settings
    from chalicelib.jobs import send_subscribe_messages as subscribe_sender

    counter = RequestCounter("dynamodb")
    config = settings.get_settings()
    appid = config.miniprograms[0].appid
    admin = next(iter(config.admin_key_set()))
    headers = {"Content-Type": "application/json"}

    with Client(app.app, stage_name="local") as client:
        def post(path, body, token=None):
            reply = client.http.post(path, headers={**headers, **({"Authorization": token} if token else {})},
                                     body=json.dumps(body).encode())
            assert reply.status_code < 300, reply.body
            return json.loads(reply.body)

        me = post("/api/wechat/login", {"code": "sandbox-bench-phone", "appid": appid})
        with counter.measure() as bind:
            post("/api/wechat/phone", {"code": "sandbox-phone-13700000001"}, me["token"])
        yield ("phone", "DynamoDB requests, bind a phone", len(bind), "", ", ".join(bind))

        session_key = stack.sandbox.state.session_keys[(appid, me["meta"]["openid"])]
        data, iv = _encrypt(session_key, {"watermark": {"appid": appid, "timestamp": int(time.time())}})
        with counter.measure() as decrypt:
            post("/api/wechat/decrypt", {"encryptedData": data, "iv": iv}, me["token"])
        yield ("open data", "DynamoDB requests, decrypt", len(decrypt), "", ", ".join(decrypt))

        now = time.time()
        with counter.measure() as idle:
            subscribe_sender.run(now=now)
        yield ("subscribe", "DynamoDB requests, sender run with nothing due", len(idle), "",
               f"one Query per hourly bucket ({subscribe_sender.LOOKBACK_HOURS + 1}), no Scan")
        for i in range(10):
            post("/api/wechat/subscribe-messages", {"appid": appid, "touser": f"o-bench-{i}", "template_id": "t",
                                                    "data": {"thing1": {"value": "x"}}, "sendAt": now + 5}, admin)
        with counter.measure() as busy:
            sent = subscribe_sender.run(now=now + 10)["sent"]
        per_message = (len(busy) - len(idle)) / max(sent, 1)
        yield ("subscribe", "DynamoDB requests per message sent", f"{per_message:.1f}",
               f"{sent} sent", "claim (conditional update) + outcome update")
