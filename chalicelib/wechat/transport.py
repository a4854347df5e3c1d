"""The HTTP transport to api.weixin.qq.com (or the sandbox, via WECHAT_API_BASE): one call, no access tokens.

A pooled `requests.Session`, connect/read timeouts, and a bounded retry with exponential backoff for errcode -1 and
for failures to connect (the request never reached WeChat, so repeating it can't consume a one-time code twice).
A read timeout is not retried for the same reason. URLs carry secrets (`secret=`, `access_token=`), so neither
exceptions nor logs ever include them: errors name the API path only.
"""
from __future__ import annotations

import random
import threading
import time
from typing import Any

from chalicelib.core import logs, snapstart
from chalicelib.core.settings import get_settings
from chalicelib.logs import record
from chalicelib.wechat.errcodes import SYSTEM_BUSY, WeChatError, WeChatUnavailable

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0
MAX_ATTEMPTS = 3
BACKOFF_BASE_SECONDS = 0.1

_session = None
_session_lock = threading.Lock()


def http_session() -> Any:
    """The process's pooled HTTP session (WeChat Pay's client shares it)."""
    global _session
    if _session is None:
        with _session_lock:
            if _session is None:
                import requests
                from requests.adapters import HTTPAdapter

                session = requests.Session()
                adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
                session.mount("https://", adapter)
                session.mount("http://", adapter)
                _session = session
    return _session


def reset_session() -> None:
    """Forget the pooled session: an environment resumed from a SnapStart snapshot opens its own connections."""
    global _session
    with _session_lock:
        _session = None


snapstart.on_restore(reset_session)


def _backoff(attempt: int) -> float:
    return BACKOFF_BASE_SECONDS * (2 ** attempt) * (0.5 + random.random() / 2)


def call(method: str, path: str, params: dict[str, Any] | None = None, json_body: Any = None,
         expect_json: bool = True) -> Any:
    """Call a WeChat API and return its JSON; raise WeChatError / WeChatUnavailable.

    `path` is the API path ("/sns/jscode2session"); it is all that appears in errors and logs. Each call leaves one
    request log entry (its errcode and latency, retries included).
    """
    started = time.monotonic()
    errcode = -1
    try:
        answer = _attempts(method, path, params, json_body, expect_json)
        errcode = 0
        return answer
    except WeChatError as exc:
        errcode = exc.errcode
        raise
    finally:
        record.wechat_call(path, errcode, started)


def _attempts(method: str, path: str, params: dict[str, Any] | None, json_body: Any, expect_json: bool) -> Any:
    import requests

    url = get_settings().wechat_api_base + path
    last_error = None
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            time.sleep(_backoff(attempt - 1))
        started = time.monotonic()
        try:
            response = http_session().request(
                method, url, params=params, json=json_body, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)
            )
        except requests.ConnectionError:  # includes ConnectTimeout: nothing reached WeChat
            last_error = "connect"
            logs.event("wechat.retry", api=path, attempt=attempt + 1, reason="connect")
            continue
        except requests.Timeout:
            last_error = "timeout"
            break
        except requests.RequestException:
            last_error = "request"
            break
        elapsed_ms = int((time.monotonic() - started) * 1000)
        if not expect_json and response.ok and not response.headers.get("content-type", "").startswith(
            ("application/json", "text/plain")
        ):
            return response.content
        try:
            data = response.json()
        except ValueError:
            last_error = f"http {response.status_code}"
            if response.status_code >= 500:
                continue
            break
        if not isinstance(data, dict):
            last_error = "shape"
            break
        errcode = data.get("errcode") or 0
        if errcode == SYSTEM_BUSY:
            last_error = "busy"
            logs.event("wechat.retry", api=path, attempt=attempt + 1, reason="busy", elapsed_ms=elapsed_ms)
            continue
        if errcode:
            logs.event("wechat.error", api=path, errcode=errcode, elapsed_ms=elapsed_ms)
            raise WeChatError(errcode, str(data.get("errmsg", "")), api=path)
        return data
    logs.event("wechat.unavailable", api=path, reason=last_error)
    if last_error == "busy":
        raise WeChatError(SYSTEM_BUSY, "system error", api=path)
    raise WeChatUnavailable()

