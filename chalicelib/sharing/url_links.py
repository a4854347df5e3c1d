"""URL Links (`wxa/generate_urllink`) for SMS, mail and web pages, reused for a while per distinct request.

A link opens the mini-program until it expires (`expireDays`, 1-30; WeChat no longer makes links that never
expire). The same request (appid, path, query, expireDays, envVersion) within REUSE_SECONDS, or half the link's
life if that is shorter, answers the link already made, so a page that asks on every view doesn't spend WeChat's
daily limit; a reused link always has most of its validity left. Identical requests at the same moment make one
WeChat call: the first takes a lease on the link's item (a conditional update), the others wait for its link. New
links spend the user's and the app's budgets (wechat/budgets.py); an admin's spend only the app's.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from chalicelib.core import clock, logs, validate
from chalicelib.core.errors import invalid
from chalicelib.core.settings import WeChatApp
from chalicelib.sharing.waiting import Waiter
from chalicelib.store import keys, table
from chalicelib.wechat import budgets, urllink, wxacode

REUSE_SECONDS = 24 * 3600
LEASE_SECONDS = 20  # longer than one generate_urllink call with its retries
WAIT_SECONDS = 10
DAY = 24 * 3600
PATH = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-.]+)*$")
BODY = validate.Body(  # what parse reads (and the OpenAPI document shows)
    validate.Text("path", max_length=256, description="a page path such as pages/index/index"),
    validate.Text("query", required=False, max_length=1024),
    validate.Integer("expireDays", required=False, minimum=1, maximum=urllink.MAX_EXPIRE_DAYS),
    validate.Text("envVersion", required=False, choices=wxacode.ENV_VERSIONS),
    validate.Text("appid", required=False, max_length=64),
)


@dataclass(frozen=True)
class LinkRequest:
    path: str
    query: str
    expire_days: int
    env_version: str

    def digest(self, appid: str) -> str:
        canonical = json.dumps({"appid": appid, "path": self.path, "query": self.query, "days": self.expire_days,
                                "envVersion": self.env_version}, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:40]


def parse(body: dict[str, Any]) -> LinkRequest:
    values = BODY.read(body)
    path = values["path"].lstrip("/")
    if not PATH.match(path):
        raise invalid("path", "validation_invalid_page",
                      "A page path such as pages/index/index, without a query (send it as query).")
    query = values["query"] or ""
    if not urllink.QUERY.match(query):
        raise invalid("query", "validation_invalid_query",
                      "At most 1024 characters of 0-9, A-Z, a-z and !#$&'()*+,/:;=?@-._~%.")
    days = values["expireDays"]
    env = values["envVersion"] or "release"
    return LinkRequest(path=path, query=query, expire_days=days or urllink.MAX_EXPIRE_DAYS, env_version=env)


def link_for(app: WeChatApp, request: LinkRequest, user_id: str | None) -> dict[str, Any]:
    """`{"urlLink", "expiresAt"}`: a kept link with most of its life left, else a new one."""
    key = keys.url_link(app.appid, request.digest(app.appid))
    reuse = min(REUSE_SECONDS, request.expire_days * DAY // 2)
    waiter, counted = Waiter(WAIT_SECONDS, "This link is still being made; try again in a moment."), False
    while True:
        now = int(time.time())
        item = table.get(key)
        if item and item.get("urlLink") and now - int(item.get("createdAt", 0)) < reuse:
            return {"urlLink": item["urlLink"], "expiresAt": clock.pb_datetime(int(item["expiresAt"]))}
        if not counted:
            budgets.spend("urllink", app.appid, user_id)
            counted = True
        owner = secrets.token_hex(8)
        try:
            # only while no fresh link is stored: one made since our read is answered by the next loop
            table.update(key, "SET #owner = :owner, #until = :until", names={**_LEASE, "#created": "createdAt"},
                         condition="(attribute_not_exists(#until) OR #until < :now) AND "
                                   "(attribute_not_exists(#created) OR #created <= :stale)",
                         values={":owner": owner, ":until": now + LEASE_SECONDS, ":now": now, ":stale": now - reuse},
                         return_values="NONE")
        except table.ConditionFailed:
            waiter.pause_or_give_up()  # an identical request is making it: wait for its link
            continue
        return _generate(app, request, key, reuse, owner)


_LEASE = {"#owner": "leaseOwner", "#until": "leaseUntil"}


def _generate(app: WeChatApp, request: LinkRequest, key: dict[str, str], reuse: int, owner: str) -> dict[str, Any]:
    try:
        link = urllink.generate(app, request.path, request.query, request.expire_days, request.env_version)
    except Exception:
        try:
            table.update(key, "REMOVE #owner, #until", names=_LEASE, condition="#owner = :owner",
                         values={":owner": owner}, return_values="NONE")
        except table.ConditionFailed:
            pass
        raise
    now = int(time.time())
    item = {**key, "urlLink": link, "createdAt": now, "expiresAt": now + request.expire_days * DAY,
            keys.TTL_ATTRIBUTE: now + reuse}
    table.put(item)  # the lease goes with the item it replaces
    logs.event("urllink_generated", appid=app.appid, days=request.expire_days)
    return {"urlLink": link, "expiresAt": clock.pb_datetime(now + request.expire_days * DAY)}
