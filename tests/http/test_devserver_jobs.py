"""`make dev` runs the deployed event handlers in-process: the callback queue is drained into the worker and the
token refresher runs on a timer."""
import time

import requests

from devserver.stack import DEFAULT_APPS
from tests.http.test_devserver import _free_port, _start, _stop
from tests.pushing import Pusher

APPID = DEFAULT_APPS[0]["appid"]


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
        # make dev's apps have an EncodingAESKey, so they take encrypted (safe mode) pushes only
        message = {"ToUserName": "gh_x", "FromUserName": "odevuser", "CreateTime": int(time.time()),
                   "MsgType": "text", "Content": "hello dev", "MsgId": 777}
        path, body, headers = Pusher(DEFAULT_APPS[0]).push(message)
        reply = requests.post(f"http://127.0.0.1:{port}{path}", data=body.encode(), headers=headers, timeout=5)
        assert reply.status_code == 200 and reply.text == "success"
        sent = _wait_for(lambda: requests.get(sandbox + "/sandbox/sent", params={"appid": APPID}, timeout=2).json())
        assert sent[0]["body"]["touser"] == "odevuser"
        assert sent[0]["body"]["text"]["content"] == "Hi from wxbase!"
    finally:
        _stop(proc)
