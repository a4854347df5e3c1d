"""`make dev` runs the deployed event handlers in-process: the callback queue is drained into the worker and the
token refresher runs on a timer."""
import time
from urllib.parse import urlencode

import requests

from chalicelib.wechat.msgcrypt import signature
from tests.pushing import to_xml
from tests.http.test_devserver import _free_port, _start, _stop

APPID, TOKEN = "wxsandbox00000001", "sandboxtoken1"  # devserver/stack.py DEFAULT_APPS


def _wait_for(fn, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_dev_server_answers_pushes_and_refreshes_tokens(tmp_path, monkeypatch):
    port, sandbox_port = _free_port(), _free_port()
    monkeypatch.setenv("SANDBOX_PORT", str(sandbox_port))
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    proc = _start(tmp_path, port)
    try:
        # the refresher's first run fetches a token for each of the three default apps
        _wait_for(lambda: requests.get(sandbox + "/sandbox/calls", params={"path": "/cgi-bin/stable_token"},
                                       timeout=2).json()["/cgi-bin/stable_token"] >= 3)
        timestamp, nonce = str(int(time.time())), "42"
        query = urlencode({"timestamp": timestamp, "nonce": nonce, "signature": signature(TOKEN, timestamp, nonce)})
        message = {"ToUserName": "gh_x", "FromUserName": "odevuser", "CreateTime": int(timestamp),
                   "MsgType": "text", "Content": "hello dev", "MsgId": 777}
        reply = requests.post(f"http://127.0.0.1:{port}/api/wechat/callback/{APPID}?{query}", data=to_xml(message),
                              headers={"Content-Type": "text/xml"}, timeout=5)
        assert reply.status_code == 200 and reply.text == "success"
        sent = _wait_for(lambda: requests.get(sandbox + "/sandbox/sent", params={"appid": APPID}, timeout=2).json())
        assert sent[0]["body"]["touser"] == "odevuser"
        assert sent[0]["body"]["text"]["content"] == "Hi from wxbase!"
    finally:
        _stop(proc)
