"""Customer-service messages (`cgi-bin/message/custom/send`) and the configured keyword auto replies."""
from __future__ import annotations

from typing import Any

from chalicelib.core.errors import BadRequest
from chalicelib.core.settings import WeChatApp
from chalicelib.wechat import client

REPLY_TYPES = ("text", "image", "link", "miniprogrampage")


def send(app: WeChatApp, openid: str, reply: dict[str, Any]) -> Any:
    """Send one customer-service message (`reply` is the body without `touser`)."""
    msgtype = reply.get("msgtype")
    if msgtype not in REPLY_TYPES or not isinstance(reply.get(msgtype), dict):
        raise BadRequest(f"A customer-service reply needs msgtype in {', '.join(REPLY_TYPES)} and its body.")
    return client.for_app(app).call("POST", "/cgi-bin/message/custom/send", json_body={**reply, "touser": openid})


def auto_reply_for(app: WeChatApp, content: str) -> dict[str, Any] | None:
    """The reply of the first configured rule whose keyword the text contains (case-insensitive), or None."""
    text = (content or "").casefold()
    if not text:
        return None
    for rule in app.auto_replies:
        keyword = rule["keyword"].casefold()
        if keyword and keyword in text:
            return rule["reply"]
    return None
