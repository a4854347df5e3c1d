"""Rows for the access-token service and the message-push callback."""
import json
import secrets
import statistics
import threading
import time
from urllib.parse import urlencode

import requests

from bench.harness import size

WORKERS = 20
CALLS_PER_WORKER = size(50, 3)
PUSHES = size(200, 10)
DECRYPTS = size(3000, 100)
BUDGET_MS = 5000


def _sandbox_calls(stack, path):
    return requests.get(stack.sandbox.url + "/sandbox/calls", params={"path": path}, timeout=5).json()[path]


def _api_calls(stack, app, worker_token):
    """WORKERS threads, each a cold worker making CALLS_PER_WORKER WeChat API calls with `worker_token(i)`."""
    from chalicelib.wechat import transport

    barrier = threading.Barrier(WORKERS)

    def work(i):
        barrier.wait()
        for n in range(CALLS_PER_WORKER):
            transport.call("POST", "/wxa/msg_sec_check", params={"access_token": worker_token(i)},
                        json_body={"version": 2, "openid": "obench", "scene": 1, "content": f"bench {n}"})

    threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def token_rows(stack, app):
    from chalicelib.store import keys, table
    from chalicelib.wechat import tokens

    path = "/cgi-bin/token" if app.token_mode == "classic" else "/cgi-bin/stable_token"
    requests.post(stack.sandbox.url + "/sandbox/reset", json={}, timeout=5)
    table.delete(keys.access_token(app.appid))
    stores = [tokens.TokenStore() for _ in range(WORKERS)]
    before = _sandbox_calls(stack, path)
    _api_calls(stack, app, lambda i: stores[i].token(app).value)
    central = _sandbox_calls(stack, path) - before

    # The same workers each caching their own token in memory (wechatpy's default), the common alternative.
    own = {}
    lock = threading.Lock()

    def per_process(i):
        with lock:
            if i not in own:
                own[i] = tokens.fetch_from_wechat(app)[0]
        return own[i]

    requests.post(stack.sandbox.url + "/sandbox/reset", json={}, timeout=5)
    before = _sandbox_calls(stack, path)
    _api_calls(stack, app, per_process)
    naive = _sandbox_calls(stack, path) - before
    calls = WORKERS * CALLS_PER_WORKER
    yield ("access token", f"upstream fetches per {calls} API calls, {WORKERS} cold workers",
           f"{central} vs {naive}", f"{central / naive:.2f}x", "central store vs per-process caching")


def callback_rows(stack, app):
    from chalice.test import Client

    import app as wxbase_app
    from chalicelib.core import aws
    from chalicelib.store import queue
    from chalicelib.wechat import msgcrypt

    key, token = msgcrypt.aes_key(app.encoding_aes_key.reveal()), app.token.reveal()
    samples = []
    with Client(wxbase_app.app, stage_name="local") as client:
        for n in range(PUSHES):
            message = json.dumps({"ToUserName": "gh_bench", "FromUserName": "obench", "CreateTime": int(time.time()),
                                  "MsgType": "text", "Content": f"bench message {n} " + "x" * 200,
                                  "MsgId": secrets.randbelow(2**62)})
            encrypt = msgcrypt.encrypt(key, app.appid, message)
            timestamp, nonce = str(int(time.time())), str(n)
            query = urlencode({"timestamp": timestamp, "nonce": nonce, "encrypt_type": "aes",
                               "signature": msgcrypt.signature(token, timestamp, nonce),
                               "msg_signature": msgcrypt.signature(token, timestamp, nonce, encrypt)})
            body = json.dumps({"ToUserName": "gh_bench", "Encrypt": encrypt}).encode()
            started = time.perf_counter()
            reply = client.http.post(f"/api/wechat/callback/{app.appid}?{query}", body=body,
                                     headers={"Content-Type": "application/json"})
            samples.append((time.perf_counter() - started) * 1000)
            assert reply.status_code == 200, reply.body
    sqs = aws.client("sqs")
    while sqs.receive_message(QueueUrl=queue.queue_url(), MaxNumberOfMessages=10).get("Messages"):
        pass  # leave nothing visible behind; the bench queue is thrown away with the stack
    samples.sort()
    p50, p99 = statistics.median(samples), samples[int(len(samples) * 0.99) - 1]
    yield ("callback", "verify+decrypt+dedupe+enqueue p50 / p99 (safe mode, JSON)",
           f"{p50:.1f} ms / {p99:.1f} ms", f"{p99 / BUDGET_MS:.3f}x", "of WeChat's 5 s budget (local emulator)")


def decrypt_rows(app):
    from wechatpy.crypto import PrpCrypto

    from chalicelib.wechat import msgcrypt

    key = msgcrypt.aes_key(app.encoding_aes_key.reveal())
    theirs = PrpCrypto(key)
    messages = [msgcrypt.encrypt(key, app.appid, "<xml>" + "m" * (100 + n % 900) + "</xml>") for n in range(DECRYPTS)]

    def rate(fn):
        started = time.perf_counter()
        for m in messages:
            fn(m)
        return DECRYPTS / (time.perf_counter() - started)

    ours = rate(lambda m: msgcrypt.decrypt(key, app.appid, m))
    wechatpy = rate(lambda m: theirs.decrypt(m, app.appid))
    yield ("callback", "message decrypts per second, wxbase vs wechatpy", f"{ours:,.0f} / {wechatpy:,.0f}",
           f"{ours / wechatpy:.2f}x", f"{DECRYPTS} messages of 100-1000 bytes; wxbase also checks every pad byte")


def rows(stack):
    from chalicelib.core import settings

    apps = settings.get_settings().apps
    classic = [a for a in apps if a.token_mode == "classic"]
    app = apps[0]
    yield from token_rows(stack, classic[0] if classic else app)
    yield from callback_rows(stack, app)
    yield from decrypt_rows(app)
