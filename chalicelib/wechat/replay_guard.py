"""The callback's replay guard: one signed URL (timestamp, nonce, signature, msg_signature) carries one message.

A plaintext push is signed over the URL alone (sha1 of token, timestamp, nonce), so a captured URL would sign any
body an attacker sends with it for as long as the timestamp window is open. Each accepted URL is therefore
remembered with the message it carried (a conditional put, TTL'd with the window): the same URL with the same
message again is WeChat's own redelivery and goes on to the deduplication as before; the same URL with another
message is a forgery and is refused (403). With the window off (`callbackMaxAgeSeconds: 0`) URLs are remembered for
OPEN_WINDOW_SECONDS.
"""
from __future__ import annotations

import hashlib
import time

from chalicelib.core.errors import Forbidden
from chalicelib.core.settings import WeChatApp
from chalicelib.store import keys, table

OPEN_WINDOW_SECONDS = 24 * 3600
SLACK_SECONDS = 60


def url_digest(params: dict[str, str]) -> str:
    parts = [params.get(name, "") for name in ("timestamp", "nonce", "signature", "msg_signature")]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:40]


def check(app: WeChatApp, params: dict[str, str], message_key: str, now: float | None = None) -> None:
    """Remember this signed URL with its message; 403 if it already carried another message."""
    now = now or time.time()
    window = app.callback_max_age_seconds
    expires = int(params["timestamp"]) + window + SLACK_SECONDS if window else int(now) + OPEN_WINDOW_SECONDS
    item = {**keys.callback_seen(app.appid, url_digest(params)), "message": message_key,
            keys.TTL_ATTRIBUTE: max(expires, int(now) + SLACK_SECONDS)}
    try:
        table.put(item, condition="attribute_not_exists(pk) OR #m = :m", names={"#m": "message"},
                  values={":m": message_key})
    except table.ConditionFailed:
        raise Forbidden("This signed request was already used for another message.") from None
