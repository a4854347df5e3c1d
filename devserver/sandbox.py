"""The WeChat sandbox: a loopback HTTP server that plays api.weixin.qq.com for `make dev` and the tests.

WeChat side (real paths, real error shapes):
  GET  /sns/jscode2session           js_code `sandbox-<name>` → a stable openid per (appid, name), a fresh
                                     session_key, and a unionid shared by every app for that name; else 40029.
  GET  /cgi-bin/token                classic token: every call issues a new one, the previous stays valid 5 min.
  POST /cgi-bin/stable_token         stable token: the same one until it nears expiry, or force_refresh.
  POST /wxa/business/getuserphonenumber   code `sandbox-phone-<digits>` → that phone number.
  POST /cgi-bin/message/custom/send, /cgi-bin/message/subscribe/send   recorded for /sandbox/sent.
  POST /wxa/msg_sec_check            v2; content containing `sandbox-risky` → risky, `sandbox-review` → review.
  GET  /sns/oauth2/access_token      official-account web OAuth: code `sandbox-<name>` → the openid for (appid,
                                     name) and the same unionid as jscode2session gives that name.
Test controls:
  POST /sandbox/users   {"appid","code","openid","session_key","unionid"?}  a fixture for one exact code.
  POST /sandbox/fail    {"path","errcode","errmsg"?,"times"?:1,"status"?,"delay"?}  the next calls of path fail.
  POST /sandbox/expire-tokens {"appid"}  every token of the app becomes invalid (40001 on use).
  POST /sandbox/reset   forget everything but the apps.
  GET  /sandbox/sent?appid=   messages the backend sent, in order.
  GET  /sandbox/calls?path=   how many times each path was called.
  GET  /sandbox/requests?path=   the JSON bodies of the latest calls of path (up to 20), oldest first.
  GET  /sandbox/session-key?appid=&openid=   the latest session_key issued (tests encrypt open data with it).
"""
import base64
import hashlib
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from devserver.loopback import LoopbackServer

TOKEN_OVERLAP_SECONDS = 300
DEFAULT_TOKEN_TTL = 7200


def _digest(*parts, length=27):
    raw = hashlib.sha256(":".join(parts).encode()).digest()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")[:length]


class SandboxState:
    def __init__(self, apps):
        self.apps = dict(apps)  # appid -> secret
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        with self.lock:
            self.fixtures = {}  # (appid, code) -> session dict
            self.failures = {}  # path -> [failure dicts]
            self.calls = {}
            self.bodies = {}  # path -> the latest request bodies
            self.sent = []
            self.tokens = {}  # token -> {"appid", "expires_at", "mode"}
            self.current = {}  # (appid, mode) -> token
            self.session_keys = {}  # (appid, openid) -> latest session_key
            self.issued_session_keys = []
            self.token_ttl = DEFAULT_TOKEN_TTL

    # --- WeChat behaviour -------------------------------------------------------------------------------------
    def login(self, appid, secret, code):
        if appid not in self.apps:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if self.apps[appid] != secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        fixture = self.fixtures.pop((appid, code), None)
        if fixture is not None:
            result = {k: v for k, v in fixture.items() if v}
        elif code.startswith("sandbox-") and len(code) > len("sandbox-"):
            name = code[len("sandbox-"):]
            result = {
                "openid": "o" + _digest("openid", appid, name),
                "session_key": base64.b64encode(secrets.token_bytes(16)).decode(),
                "unionid": "u" + _digest("unionid", name),
            }
        else:
            return {"errcode": 40029, "errmsg": "invalid code, rid: sandbox"}
        self.session_keys[(appid, result["openid"])] = result["session_key"]
        self.issued_session_keys.append(result["session_key"])
        return result

    def issue_token(self, appid, secret, mode, force=False):
        if appid not in self.apps:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if self.apps[appid] != secret:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        now = time.time()
        current = self.current.get((appid, mode))
        info = self.tokens.get(current) if current else None
        if mode == "stable" and not force and info and info["expires_at"] - now > TOKEN_OVERLAP_SECONDS:
            return {"access_token": current, "expires_in": int(info["expires_at"] - now)}
        if info:  # the old token stays usable for the overlap window
            info["expires_at"] = min(info["expires_at"], now + TOKEN_OVERLAP_SECONDS)
        token = "sbx-" + mode + "-" + secrets.token_urlsafe(48)
        self.tokens[token] = {"appid": appid, "expires_at": now + self.token_ttl, "mode": mode}
        self.current[(appid, mode)] = token
        return {"access_token": token, "expires_in": self.token_ttl}

    def check_token(self, token):
        """(appid, None) for a valid token, (None, error) otherwise."""
        info = self.tokens.get(token or "")
        if info is None:
            return None, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        if info["expires_at"] <= time.time():
            return None, {"errcode": 42001, "errmsg": "access_token expired"}
        return info["appid"], None

    def expire_tokens(self, appid):
        for token, info in list(self.tokens.items()):
            if info["appid"] == appid:
                del self.tokens[token]
        for key in [k for k in self.current if k[0] == appid]:
            del self.current[key]

    def take_failure(self, path):
        queue = self.failures.get(path)
        if not queue:
            return None
        failure = queue[0]
        failure["times"] -= 1
        if failure["times"] <= 0:
            queue.pop(0)
        return failure


PHONE_CODE = re.compile(r"^sandbox-phone-(\+?\d{5,20})$")


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: SandboxState = None  # set by make_server

    def log_message(self, *args):  # quiet: tests and make dev print their own summaries
        pass

    def _send(self, status, payload, content_type="application/json"):
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def _dispatch(self, method):
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        body = self._body() if method == "POST" else {}
        path = url.path
        state = self.state
        if path.startswith("/sandbox/"):
            return self._control(method, path, query, body)
        with state.lock:
            state.calls[path] = state.calls.get(path, 0) + 1
            state.bodies[path] = (state.bodies.get(path, []) + [body])[-20:]
            failure = state.take_failure(path)
        if failure:
            if failure.get("delay"):
                time.sleep(failure["delay"])
            if failure.get("status"):
                return self._send(failure["status"], b"<html>upstream error</html>", "text/html")
            if "errcode" in failure:
                return self._send(200, {"errcode": failure["errcode"], "errmsg": failure.get("errmsg", "sandbox")})
        if body is None:
            return self._send(200, {"errcode": 47001, "errmsg": "data format error"})
        handler = ROUTES.get((method, path))
        if handler is None:
            return self._send(404, {"errcode": 404, "errmsg": "no such api in the sandbox"})
        with state.lock:
            status, payload = handler(state, query, body)
        self._send(status, payload)

    def _control(self, method, path, query, body):
        state = self.state
        if body is None:
            return self._send(400, {"error": "body must be a JSON object"})
        with state.lock:
            if (method, path) == ("POST", "/sandbox/users"):
                missing = [k for k in ("appid", "code", "openid", "session_key") if not body.get(k)]
                if missing:
                    return self._send(400, {"error": f"missing {', '.join(missing)}"})
                state.fixtures[(body["appid"], body["code"])] = {
                    "openid": body["openid"], "session_key": body["session_key"], "unionid": body.get("unionid"),
                }
                return self._send(200, {"ok": True})
            if (method, path) == ("POST", "/sandbox/fail"):
                if not body.get("path"):
                    return self._send(400, {"error": "missing path"})
                failure = {k: body[k] for k in ("errcode", "errmsg", "status", "delay") if k in body}
                failure["times"] = int(body.get("times", 1))
                state.failures.setdefault(body["path"], []).append(failure)
                return self._send(200, {"ok": True})
            if (method, path) == ("POST", "/sandbox/expire-tokens"):
                state.expire_tokens(body.get("appid", ""))
                return self._send(200, {"ok": True})
            if (method, path) == ("POST", "/sandbox/config"):
                if "token_ttl" in body:
                    state.token_ttl = int(body["token_ttl"])
                return self._send(200, {"ok": True})
            if (method, path) == ("POST", "/sandbox/reset"):
                state.reset()
                return self._send(200, {"ok": True})
            if (method, path) == ("GET", "/sandbox/sent"):
                appid = query.get("appid")
                return self._send(200, [m for m in state.sent if not appid or m["appid"] == appid])
            if (method, path) == ("GET", "/sandbox/calls"):
                wanted = query.get("path")
                return self._send(200, {wanted: state.calls.get(wanted, 0)} if wanted else dict(state.calls))
            if (method, path) == ("GET", "/sandbox/requests"):
                return self._send(200, state.bodies.get(query.get("path"), []))
            if (method, path) == ("GET", "/sandbox/session-key"):
                key = state.session_keys.get((query.get("appid"), query.get("openid")))
                return self._send(200 if key else 404, {"session_key": key})
        return self._send(404, {"error": "unknown sandbox control"})


def _jscode2session(state, query, body):
    if query.get("grant_type") != "authorization_code":
        return 200, {"errcode": 40002, "errmsg": "invalid grant_type"}
    return 200, state.login(query.get("appid", ""), query.get("secret", ""), query.get("js_code", ""))


def _token(state, query, body):
    if query.get("grant_type") != "client_credential":
        return 200, {"errcode": 40002, "errmsg": "invalid grant_type"}
    return 200, state.issue_token(query.get("appid", ""), query.get("secret", ""), "classic")


def _stable_token(state, query, body):
    if body.get("grant_type") != "client_credential":
        return 200, {"errcode": 40002, "errmsg": "invalid grant_type"}
    return 200, state.issue_token(body.get("appid", ""), body.get("secret", ""), "stable",
                                  force=bool(body.get("force_refresh")))


def _with_token(fn):
    def wrapper(state, query, body):
        appid, error = state.check_token(query.get("access_token"))
        if error:
            return 200, error
        return fn(state, appid, body)

    return wrapper


@_with_token
def _phone(state, appid, body):
    match = PHONE_CODE.match(body.get("code") or "")
    if not match:
        return 200, {"errcode": 40029, "errmsg": "invalid code"}
    digits = match.group(1).lstrip("+")
    return 200, {
        "errcode": 0, "errmsg": "ok",
        "phone_info": {"phoneNumber": digits, "purePhoneNumber": digits, "countryCode": "86",
                       "watermark": {"timestamp": int(time.time()), "appid": appid}},
    }


def _record_send(api, required):
    @_with_token
    def handler(state, appid, body):
        if not body.get("touser"):
            return 200, {"errcode": 40003, "errmsg": "invalid openid"}
        for field in required:
            if not body.get(field):
                return 200, {"errcode": 47003 if field == "data" else 40037 if field == "template_id" else 47001,
                             "errmsg": f"argument invalid! {field}"}
        state.sent.append({"appid": appid, "api": api, "body": body, "time": time.time()})
        result = {"errcode": 0, "errmsg": "ok"}
        if api == "subscribe":
            result["msgid"] = len(state.sent)
        return 200, result

    return handler


@_with_token
def _msg_sec_check(state, appid, body):
    if body.get("version") != 2 or not body.get("openid"):
        return 200, {"errcode": 47001, "errmsg": "data format error"}
    if body.get("scene") not in (1, 2, 3, 4):
        return 200, {"errcode": 40129, "errmsg": "invalid scene"}
    content = str(body.get("content", ""))
    if "sandbox-risky" in content:
        suggest, label = "risky", 20001
    elif "sandbox-review" in content:
        suggest, label = "review", 21000
    else:
        suggest, label = "pass", 100
    return 200, {"errcode": 0, "errmsg": "ok", "trace_id": secrets.token_hex(8),
                 "result": {"suggest": suggest, "label": label}, "detail": []}


def _oauth2_access_token(state, query, body):
    """Official-account web OAuth: same code scheme, openid derivation and unionid as jscode2session."""
    if query.get("grant_type") != "authorization_code":
        return 200, {"errcode": 40002, "errmsg": "invalid grant_type"}
    result = state.login(query.get("appid", ""), query.get("secret", ""), query.get("code", ""))
    if "errcode" in result:
        return 200, result
    answer = {"access_token": "sbx-web-" + secrets.token_urlsafe(24), "expires_in": 7200,
              "refresh_token": "sbx-refresh-" + secrets.token_urlsafe(24), "openid": result["openid"],
              "scope": "snsapi_base"}
    if result.get("unionid"):
        answer["unionid"] = result["unionid"]
    return 200, answer


ROUTES = {
    ("GET", "/sns/jscode2session"): _jscode2session,
    ("GET", "/cgi-bin/token"): _token,
    ("POST", "/cgi-bin/stable_token"): _stable_token,
    ("POST", "/wxa/business/getuserphonenumber"): _phone,
    ("POST", "/cgi-bin/message/custom/send"): _record_send("custom", ("msgtype",)),
    ("POST", "/cgi-bin/message/subscribe/send"): _record_send("subscribe", ("template_id", "data")),
    ("POST", "/wxa/msg_sec_check"): _msg_sec_check,
    ("GET", "/sns/oauth2/access_token"): _oauth2_access_token,
}


class Sandbox(LoopbackServer):
    """A running sandbox on 127.0.0.1: `.url`, `.state`, `.stop()`."""

    def __init__(self, apps, port=0):
        self.state = SandboxState(apps)
        handler = type("BoundSandboxHandler", (SandboxHandler,), {"state": self.state})
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        server.daemon_threads = True
        super().__init__(server, "wechat-sandbox")
