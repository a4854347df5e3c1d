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
  GET  /cgi-bin/user/info            an official account's person (openids of /sandbox/identity, logins, followers):
                                     subscribe 1 with subscribe_time and unionid, or subscribe 0; else 40003.
  GET  /cgi-bin/user/get             the follower list, `next_openid` paging (page size: /sandbox/config).
  POST /cgi-bin/user/info/batchget   up to 100 people; more → 40097.
  POST /wxa/getwxacodeunlimit        a real PNG (width × width) whose pixels depend on every parameter; scene
                                     rules (40129 characters, 40169 length), page `pages/...` only while check_path
                                     (else 41030), scancode_time → 85096, width 280-1280 and env_version → 40097.
  POST /wxa/generate_urllink         `https://wxaurl.cn/...`; path `pages/...` (40165), query (40212), expiry
                                     (85401 / 85402).
  POST /wxa/media_check_async        v2; an openid whose last sandbox login (or /sandbox/visit) is over 2 hours
                                     old → 61010; the image is fetched from media_url and judged by its bytes
                                     (`sandbox-risky` → risky, `sandbox-review` → review, else pass; unreachable →
                                     errcode -1008, a sandbox convention); the verdict is kept as the exact
                                     `wxa_media_check` push WeChat would send (GET /sandbox/media-checks).
  Official-account-only APIs answer 48001 to mini-programs, and mini-program-only ones to official accounts.
Test controls:
  POST /sandbox/users   {"appid","code","openid","session_key","unionid"?}  a fixture for one exact code.
  POST /sandbox/fail    {"path","errcode","errmsg"?,"times"?:1,"status"?,"delay"?}  the next calls of path fail.
  POST /sandbox/expire-tokens {"appid"}  every token of the app becomes invalid (40001 on use).
  POST /sandbox/reset   forget everything but the apps.
  GET  /sandbox/sent?appid=   messages the backend sent, in order.
  GET  /sandbox/calls?path=   how many times each path was called.
  GET  /sandbox/requests?path=   the JSON bodies of the latest calls of path (up to 20), oldest first.
  GET  /sandbox/session-key?appid=&openid=   the latest session_key issued (tests encrypt open data with it).
  GET  /sandbox/identity?appid=&name=   {"openid","unionid"} of sandbox user <name> in that app (also an official
                                        account), as its login would give them.
  POST /sandbox/followers {"appid","names":[...],"following"?:true,"since"?}   who follows an official account.
  POST /sandbox/visit {"appid","openid","at"?}   when that user last used the mini-program (epoch seconds).
  POST /sandbox/config {"token_ttl"?, "user_get_page_size"?}
  GET  /sandbox/media-checks?appid=   the image checks received, each with the push WeChat would send.
WeChat Pay (api.mch.weixin.qq.com's /v3/ paths, /sandbox/pay/* controls, and wxa/sec/order/upload_shipping_info):
devserver/sandbox_pay.py.
"""
import base64
import hashlib
import json
import re
import secrets
import struct
import threading
import time
import urllib.request
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from devserver.loopback import LoopbackServer
from devserver.sandbox_pay import PaySandbox

TOKEN_OVERLAP_SECONDS = 300
DEFAULT_TOKEN_TTL = 7200


def _digest(*parts, length=27):
    raw = hashlib.sha256(":".join(parts).encode()).digest()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")[:length]


class SandboxState:
    def __init__(self, apps, types=None):
        self.apps = dict(apps)  # appid -> secret
        self.types = dict(types or {})  # appid -> miniprogram | officialaccount
        self.lock = threading.RLock()
        # Facts about sandbox people survive a reset, like the apps: who an openid is, when they last used an app.
        self.people = {}  # (appid, openid) -> unionid ("" when none)
        self.visits = {}  # (appid, openid) -> epoch seconds of their latest login
        self.pay = PaySandbox()  # WeChat Pay: its merchants and keys survive a reset, its orders don't
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
            self.followers = {}  # appid -> {openid: subscribe_time}, in follow order
            self.unfollowed = {}  # appid -> {openid: True}: people who followed once
            self.media_checks = []
            self.user_get_page_size = USER_GET_PAGE_MAX
            self.pay.reset()

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
        self.people[(appid, result["openid"])] = result.get("unionid") or ""
        self.visits[(appid, result["openid"])] = time.time()
        return result

    def identity(self, appid, name):
        """What sandbox user <name>'s login in this app gives: openid and unionid (registered for user/info)."""
        found = {"openid": "o" + _digest("openid", appid, name), "unionid": "u" + _digest("unionid", name)}
        self.people.setdefault((appid, found["openid"]), found["unionid"])
        return found

    def app_type(self, appid):
        return self.types.get(appid, "miniprogram")

    def person(self, appid, openid):
        """user/info's answer for one openid of an official account, or None for a stranger."""
        if (appid, openid) not in self.people:
            return None
        unionid = self.people[(appid, openid)]
        since = self.followers.get(appid, {}).get(openid)
        if since is None:
            answer = {"subscribe": 0, "openid": openid}
        else:
            answer = {"subscribe": 1, "openid": openid, "language": "zh_CN", "subscribe_time": since, "remark": "",
                      "groupid": 0, "tagid_list": [], "subscribe_scene": "ADD_SCENE_QR_CODE", "qr_scene": 0,
                      "qr_scene_str": ""}
        if unionid:
            answer["unionid"] = unionid
        return answer

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
USER_GET_PAGE_MAX = 10000
VISIT_WINDOW_SECONDS = 2 * 3600
SCENE_CHARS = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]*$")
URL_QUERY = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~%]*$")
ENV_VERSIONS = ("release", "trial", "develop")
PLATFORM_SENDER = "o" + _digest("wechat-platform-sender")


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

    def _body(self, raw):
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
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = self._body(raw) if method == "POST" else {}
        path = url.path
        state = self.state
        if path.startswith("/v3/"):
            return self._pay(method, raw)
        if path.startswith("/sandbox/pay/"):
            return self._send(*state.pay.control(method, path, query, body or {}))
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
        if getattr(handler, "locks_itself", False):  # it fetches over HTTP: the state lock is taken inside
            return self._send(*handler(state, query, body))
        with state.lock:
            answer = handler(state, query, body)
        self._send(*answer)

    def _pay(self, method, raw):
        """WeChat Pay v3: the request's signature checked over the exact bytes received, the answer signed."""
        status, answer = self.state.pay.handle(method, self.path, self.headers, raw)
        if isinstance(answer, bytes):  # a bill download: WeChat Pay doesn't sign it (the bill answer gave its hash)
            return self._send(status, answer, "text/plain; charset=utf-8")
        body = b"" if answer is None else json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(status)
        for name, value in self.state.pay.signed_headers(body).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

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
                if "user_get_page_size" in body:
                    state.user_get_page_size = max(1, min(USER_GET_PAGE_MAX, int(body["user_get_page_size"])))
                return self._send(200, {"ok": True})
            if (method, path) == ("GET", "/sandbox/identity"):
                if query.get("appid") not in state.apps or not query.get("name"):
                    return self._send(404, {"error": "unknown appid, or no name"})
                return self._send(200, state.identity(query["appid"], query["name"]))
            if (method, path) == ("POST", "/sandbox/followers"):
                appid, names = body.get("appid"), body.get("names")
                if appid not in state.apps or not isinstance(names, list):
                    return self._send(400, {"error": "needs a known appid and a list of names"})
                following = body.get("following", True)
                since = int(body.get("since") or time.time())
                openids = []
                for name in names:
                    openid = state.identity(appid, str(name))["openid"]
                    fans = state.followers.setdefault(appid, {})
                    if following:
                        fans.setdefault(openid, since)
                    elif fans.pop(openid, None) is not None:
                        state.unfollowed.setdefault(appid, {})[openid] = True
                    openids.append(openid)
                return self._send(200, {"openids": openids})
            if (method, path) == ("POST", "/sandbox/visit"):
                if not body.get("appid") or not body.get("openid"):
                    return self._send(400, {"error": "missing appid or openid"})
                state.visits[(body["appid"], body["openid"])] = float(body.get("at") or time.time())
                return self._send(200, {"ok": True})
            if (method, path) == ("GET", "/sandbox/media-checks"):
                appid = query.get("appid")
                return self._send(200, [c for c in state.media_checks if not appid or c["appid"] == appid])
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


def _with_token_query(fn):
    """Like _with_token, for GET APIs whose parameters are in the query string."""
    def wrapper(state, query, body):
        appid, error = state.check_token(query.get("access_token"))
        if error:
            return 200, error
        return fn(state, appid, query)

    return wrapper


UNAUTHORIZED = {"errcode": 48001, "errmsg": "api unauthorized rid: sandbox"}


def _official_account_only(fn):
    def wrapper(state, appid, args):
        if state.app_type(appid) != "officialaccount":
            return 200, UNAUTHORIZED
        return fn(state, appid, args)

    return wrapper


def _miniprogram_only(fn):
    def wrapper(state, appid, args):
        if state.app_type(appid) != "miniprogram":
            return 200, UNAUTHORIZED
        return fn(state, appid, args)

    return wrapper


INVALID_OPENID = {"errcode": 40003, "errmsg": "invalid openid rid: sandbox"}
INVALID_ARGS = {"errcode": 40097, "errmsg": "invalid args rid: sandbox"}


@_with_token_query
@_official_account_only
def _user_info(state, appid, query):
    person = state.person(appid, query.get("openid", ""))
    return 200, person if person is not None else INVALID_OPENID


@_with_token_query
@_official_account_only
def _user_get(state, appid, query):
    fans = list(state.followers.get(appid, {}))
    start = 0
    if query.get("next_openid"):
        if query["next_openid"] not in fans:
            return 200, INVALID_OPENID
        start = fans.index(query["next_openid"]) + 1
    page = fans[start:start + state.user_get_page_size]
    if not page:
        return 200, {"total": len(fans), "count": 0, "next_openid": ""}
    # like WeChat, the last page also names its last openid; the next call then answers count 0
    return 200, {"total": len(fans), "count": len(page), "data": {"openid": page}, "next_openid": page[-1]}


@_with_token
@_official_account_only
def _user_batchget(state, appid, body):
    wanted = body.get("user_list")
    if not isinstance(wanted, list) or not wanted or len(wanted) > 100 or not all(
            isinstance(w, dict) and isinstance(w.get("openid"), str) for w in wanted):
        return 200, INVALID_ARGS
    people = [state.person(appid, w["openid"]) for w in wanted]
    if any(p is None for p in people):
        return 200, INVALID_OPENID
    return 200, {"user_info_list": people}


def _png(width, seed):
    """A real grayscale PNG, width × width: a 21 × 21 grid of cells set by `seed`, with a quiet border."""
    bits = hashlib.sha256(seed).digest() * 2
    cells = 21
    columns = [x * (cells + 2) // width - 1 for x in range(width)]
    bands = {}  # rows of one band of cells are identical

    def band(cy):
        if cy not in bands:
            dark = [0 <= cx < cells and 0 <= cy < cells and (bits[(cy * cells + cx) // 8 % len(bits)] >> (cx % 8)) & 1
                    for cx in range(-1, cells + 1)]
            bands[cy] = b"\x00" + bytes(0 if dark[cx + 1] else 255 for cx in columns)  # filter type none
        return bands[cy]

    rows = [band(y * (cells + 2) // width - 1) for y in range(width)]

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, width, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))


def _published(page):
    """The sandbox's released mini-program has exactly the pages under `pages/`."""
    return page.startswith("pages/") and "?" not in page


@_with_token
@_miniprogram_only
def _wxacode_unlimit(state, appid, body):
    scene, page = body.get("scene"), body.get("page") or ""
    if not isinstance(scene, str) or not isinstance(page, str):
        return 200, INVALID_ARGS
    if not SCENE_CHARS.match(scene) or not scene:
        return 200, {"errcode": 40129, "errmsg": "invalid scene rid: sandbox"}
    if len(scene) > 32:
        return 200, {"errcode": 40169, "errmsg": "invalid length for scene, or the data is not json string"}
    if "scancode_time" in page:
        return 200, {"errcode": 85096, "errmsg": "not allow include scancode_time field"}
    if page and body.get("check_path", True) and not _published(page):
        return 200, {"errcode": 41030, "errmsg": "invalid page rid: sandbox"}
    width = body.get("width", 430)
    if isinstance(width, bool) or not isinstance(width, int) or not 280 <= width <= 1280 \
            or body.get("env_version", "release") not in ENV_VERSIONS:
        return 200, INVALID_ARGS
    seed = json.dumps([appid, scene, page, width, body.get("env_version", "release")]).encode()
    return 200, _png(width, seed), "image/png"


@_with_token
@_miniprogram_only
def _generate_urllink(state, appid, body):
    path, query = body.get("path") or "", body.get("query") or ""
    if not isinstance(path, str) or not isinstance(query, str):
        return 200, INVALID_ARGS
    if path and not _published(path):
        return 200, {"errcode": 40165, "errmsg": "invalid weapp pagepath rid: sandbox"}
    if len(query) > 1024 or not URL_QUERY.match(query):
        return 200, {"errcode": 40212, "errmsg": "invalid query rid: sandbox"}
    now = time.time()
    if body.get("expire_type", 0) == 1:
        interval = body.get("expire_interval")
        if isinstance(interval, bool) or not isinstance(interval, int) or not 1 <= interval <= 30:
            return 200, {"errcode": 85402, "errmsg": "invalid expire_interval rid: sandbox"}
    else:
        expire_time = body.get("expire_time")
        if not isinstance(expire_time, int) or not now < expire_time <= now + 30 * 86400:
            return 200, {"errcode": 85401, "errmsg": "invalid expire_time rid: sandbox"}
    if body.get("env_version", "release") not in ENV_VERSIONS:
        return 200, INVALID_ARGS
    return 200, {"errcode": 0, "errmsg": "ok", "url_link": "https://wxaurl.cn/" + secrets.token_urlsafe(9)}


def _fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (a test server's own URL)
            return response.read(10 * 1024 * 1024 + 1)
    except (OSError, ValueError):
        return None


def _media_check_async(state, query, body):
    with state.lock:
        appid, error = state.check_token(query.get("access_token"))
        if error:
            return 200, error
        if state.app_type(appid) != "miniprogram":
            return 200, UNAUTHORIZED
        url, openid = body.get("media_url"), body.get("openid")
        if body.get("version") != 2 or body.get("media_type") not in (1, 2) or not isinstance(url, str) \
                or not url.startswith(("http://", "https://")) or not isinstance(openid, str) or not openid:
            return 200, INVALID_ARGS
        if body.get("scene") not in (1, 2, 3, 4):
            return 200, {"errcode": 40129, "errmsg": "invalid scene rid: sandbox"}
        last_visit = state.visits.get((appid, openid))  # unknown counts as recent: make dev restarts forget logins
        if last_visit is not None and time.time() - last_visit > VISIT_WINDOW_SECONDS:
            return 200, {"errcode": 61010, "errmsg": "code is expired rid: sandbox"}
    data = _fetch(url)  # outside the lock: the image comes from the test's own S3
    if data is None or len(data) > 10 * 1024 * 1024:
        suggest, label, errcode = "risky", 0, -1008
    elif b"sandbox-risky" in data:
        suggest, label, errcode = "risky", 20002, 0
    elif b"sandbox-review" in data:
        suggest, label, errcode = "review", 21000, 0
    else:
        suggest, label, errcode = "pass", 100, 0
    trace_id = "-".join(secrets.token_hex(4) for _ in range(3))
    push = {"ToUserName": "gh_" + _digest("username", appid, length=12), "FromUserName": PLATFORM_SENDER,
            "CreateTime": int(time.time()), "MsgType": "event", "Event": "wxa_media_check", "appid": appid,
            "trace_id": trace_id, "version": 2,
            "detail": [{"strategy": "content_model", "errcode": errcode, "suggest": suggest, "label": label,
                        "prob": 90}],
            "errcode": errcode, "errmsg": "ok" if not errcode else "media download failed",
            "result": {"suggest": suggest, "label": label}}
    with state.lock:
        state.media_checks.append({"appid": appid, "trace_id": trace_id, "media_url": url, "openid": openid,
                                   "scene": body["scene"], "media_type": body["media_type"],
                                   "fetched": data is not None, "push": push})
    return 200, {"errcode": 0, "errmsg": "ok", "trace_id": trace_id}


_media_check_async.locks_itself = True


ROUTES = {
    ("GET", "/sns/jscode2session"): _jscode2session,
    ("GET", "/cgi-bin/token"): _token,
    ("POST", "/cgi-bin/stable_token"): _stable_token,
    ("POST", "/wxa/business/getuserphonenumber"): _phone,
    ("POST", "/cgi-bin/message/custom/send"): _record_send("custom", ("msgtype",)),
    ("POST", "/cgi-bin/message/subscribe/send"): _record_send("subscribe", ("template_id", "data")),
    ("POST", "/wxa/msg_sec_check"): _msg_sec_check,
    ("GET", "/sns/oauth2/access_token"): _oauth2_access_token,
    ("GET", "/cgi-bin/user/info"): _user_info,
    ("GET", "/cgi-bin/user/get"): _user_get,
    ("POST", "/cgi-bin/user/info/batchget"): _user_batchget,
    ("POST", "/wxa/getwxacodeunlimit"): _wxacode_unlimit,
    ("POST", "/wxa/generate_urllink"): _generate_urllink,
    ("POST", "/wxa/media_check_async"): _media_check_async,
    ("POST", "/wxa/sec/order/upload_shipping_info"): _with_token(
        lambda state, appid, body: (200, state.pay.upload_shipping_info(appid, body))),
}


class Sandbox(LoopbackServer):
    """A running sandbox on 127.0.0.1: `.url`, `.state`, `.stop()`."""

    def __init__(self, apps, port=0, types=None):
        self.state = SandboxState(apps, types)
        handler = type("BoundSandboxHandler", (SandboxHandler,), {"state": self.state})
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        server.daemon_threads = True
        super().__init__(server, "wechat-sandbox")
