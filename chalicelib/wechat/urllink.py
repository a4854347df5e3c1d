"""URL Links (`wxa/generate_urllink`): an https link that opens the mini-program from SMS, mail or a web page.

Links always expire now (at most 30 days after they are made, WeChat's rule since 2022); this module asks for an
interval in days (`expire_type` 1). path: a page of the released mini-program, no query; query: at most 1024
characters of `0-9A-Za-z!#$&'()*+,/:;=?@-._~%`.
"""
from __future__ import annotations

import re

from chalicelib.core.errors import BadGateway
from chalicelib.core.settings import WeChatApp
from chalicelib.wechat import client
from chalicelib.wechat.errcodes import WeChatError
from chalicelib.wechat.refusals import Refusal, translate

QUERY = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~%]{0,1024}$")
MAX_EXPIRE_DAYS = 30

REFUSALS = {
    40165: Refusal(400, "path", "The path is not a page of the released mini-program.", "validation_invalid_page"),
    40212: Refusal(400, "query", "WeChat rejected the query.", "validation_invalid_query"),
    85401: Refusal(400, "expireDays", "WeChat rejected the expiry.", "validation_invalid_expiry"),
    85402: Refusal(400, "expireDays", "WeChat rejected the expiry interval.", "validation_invalid_expiry"),
    40097: Refusal(400, None, "WeChat rejected the link's parameters."),
    44990: Refusal(429, None, "Links are being requested too fast; try again in a moment."),
    45009: Refusal(429, None, "WeChat's daily limit for links is reached; try again tomorrow."),
    85400: Refusal(429, None, "WeChat's limit for long-lived links is reached."),
}


def generate(app: WeChatApp, path: str, query: str = "", expire_days: int = MAX_EXPIRE_DAYS,
             env_version: str = "release") -> str:
    body = {"path": path, "query": query, "expire_type": 1, "expire_interval": expire_days,
            "env_version": env_version}
    try:
        data = client.for_app(app).call("POST", "/wxa/generate_urllink", json_body=body)
    except WeChatError as exc:
        raise translate(exc, REFUSALS) from None
    link = data.get("url_link")
    if not isinstance(link, str) or not link.startswith("https://"):
        raise BadGateway("WeChat answered without a URL Link.")
    return link
