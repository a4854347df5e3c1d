"""Small clients for the tests: the API (test client or real HTTP) and the sandbox's control endpoints."""
import base64
import json
import secrets
import string
import threading

import requests

JSON = {"Content-Type": "application/json"}


def aes_key():
    """A random 43-character EncodingAESKey, as the WeChat admin console makes them."""
    alphabet = string.ascii_letters + string.digits
    while True:
        key = "".join(secrets.choice(alphabet) for _ in range(43))
        if len(base64.b64decode(key + "=")) == 32:
            return key


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body or b""

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"Reply({self.status}, {self.text[:300]})"


class Api:
    """`api.post("/api/x", {"a": 1}, token=...)`; body may be a dict (sent as JSON), bytes or str (sent as is)."""

    def __init__(self, send, recorder):
        self._send = send
        self._recorder = recorder

    @classmethod
    def for_test_client(cls, client, recorder):
        def send(method, path, headers, body):
            response = client.http.request(method, path, headers=headers, body=body)
            return Reply(response.status_code, response.headers, response.body)

        return cls(send, recorder)

    @classmethod
    def for_url(cls, base_url, recorder):
        local = threading.local()  # a Session per thread: requests' Session is not thread-safe

        def send(method, path, headers, body):
            session = getattr(local, "session", None) or requests.Session()
            local.session = session
            response = session.request(method, base_url + path, headers=headers, data=body, timeout=30,
                                       allow_redirects=False)
            return Reply(response.status_code, dict(response.headers), response.content)

        return cls(send, recorder)

    def request(self, method, path, body=None, token=None, headers=None):
        all_headers = dict(JSON)
        if token:
            all_headers["Authorization"] = token
        all_headers.update(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        reply = self._send(method, path, all_headers, body or b"")
        self._recorder.append(reply.text)
        self._recorder.append(json.dumps(reply.headers))
        return reply

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def login(self, name, appid):
        reply = self.post("/api/wechat/login", {"code": f"sandbox-{name}", "appid": appid})
        assert reply.status == 200, reply
        return reply.json


class SandboxControl:
    def __init__(self, url):
        self.url = url

    def _post(self, path, body):
        response = requests.post(self.url + path, json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def reset(self):
        self._post("/sandbox/reset", {})

    def fail(self, path, errcode=None, times=1, **extra):
        body = {"path": path, "times": times, **extra}
        if errcode is not None:
            body["errcode"] = errcode
        self._post("/sandbox/fail", body)

    def add_user(self, appid, code, openid, session_key, unionid=None):
        self._post("/sandbox/users", {"appid": appid, "code": code, "openid": openid,
                                      "session_key": session_key, "unionid": unionid})

    def calls(self, path):
        return requests.get(self.url + "/sandbox/calls", params={"path": path}, timeout=5).json()[path]

    def sent(self, appid=None):
        return requests.get(self.url + "/sandbox/sent", params={"appid": appid} if appid else {}, timeout=5).json()

    def requests(self, path):
        """The JSON bodies the backend sent to a WeChat path (the latest 20)."""
        return requests.get(self.url + "/sandbox/requests", params={"path": path}, timeout=5).json()

    def session_key(self, appid, openid):
        return requests.get(self.url + "/sandbox/session-key", params={"appid": appid, "openid": openid},
                            timeout=5).json()["session_key"]

    def expire_tokens(self, appid):
        self._post("/sandbox/expire-tokens", {"appid": appid})
