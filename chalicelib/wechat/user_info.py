"""Official-account followers: `cgi-bin/user/info` (one person), `cgi-bin/user/get` (the follower list, 10,000 openids
a page, `next_openid` paging) and `cgi-bin/user/info/batchget` (up to 100 people a call).

`subscribe` is 0 for someone who does not follow the account; WeChat then answers little more than the openid
(a unionid may or may not come with it), so nothing here relies on more than `subscribe` for them.
`unionid` is present only when the account is bound to an Open Platform account.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.core.errors import BadGateway
from chalicelib.core.settings import WeChatApp
from chalicelib.wechat import client

PAGE_MAX = 10000  # openids per user/get page (WeChat's maximum)
BATCH_MAX = 100  # people per user/info/batchget call (WeChat's maximum)
INVALID_OPENID = 40003


@dataclass(frozen=True)
class Follower:
    openid: str
    subscribed: bool
    unionid: str = ""
    subscribe_time: int = 0  # epoch seconds of the latest follow, 0 when not following


@dataclass(frozen=True)
class FollowerPage:
    total: int
    openids: list[str]
    next_openid: str  # "" when the list is finished


def _follower(data: dict[str, Any]) -> Follower:
    openid = data.get("openid")
    if not isinstance(openid, str) or not openid:
        raise BadGateway("WeChat answered a follower without an openid.")
    unionid = data.get("unionid")
    since = data.get("subscribe_time")
    subscribed = str(data.get("subscribe", 0)) == "1"
    return Follower(openid=openid, subscribed=subscribed, unionid=unionid.strip() if isinstance(unionid, str) else "",
                    subscribe_time=int(since) if subscribed and isinstance(since, (int, str)) and str(since).isdigit()
                    else 0)


def user_info(app: WeChatApp, openid: str) -> Follower:
    """One person of the official account (WeChatError 40003 when the openid is not one of its users)."""
    return _follower(client.for_app(app).call("GET", "/cgi-bin/user/info", params={"openid": openid,
                                                                                  "lang": "zh_CN"}))


def followers_page(app: WeChatApp, next_openid: str = "") -> FollowerPage:
    """One page of the follower list, starting after `next_openid` ("" for the first page)."""
    params = {"next_openid": next_openid} if next_openid else {}
    data = client.for_app(app).call("GET", "/cgi-bin/user/get", params=params)
    listed = (data.get("data") or {}).get("openid") or []
    if not isinstance(listed, list):
        raise BadGateway("WeChat answered the follower list in an unexpected shape.")
    openids = [o for o in listed if isinstance(o, str) and o]
    nxt = data.get("next_openid")
    # WeChat repeats the last openid as next_openid even on the last page; an empty page ends the walk.
    return FollowerPage(total=int(data.get("total") or 0), openids=openids,
                        next_openid=nxt if isinstance(nxt, str) and openids else "")


def batch_info(app: WeChatApp, openids: list[str]) -> list[Follower]:
    """The people behind up to 100 openids, in WeChat's order."""
    if not openids:
        return []
    if len(openids) > BATCH_MAX:
        raise ValueError("user/info/batchget takes at most 100 openids")
    data = client.for_app(app).call("POST", "/cgi-bin/user/info/batchget",
                                    json_body={"user_list": [{"openid": o, "lang": "zh_CN"} for o in openids]})
    people = data.get("user_info_list")
    if not isinstance(people, list):
        raise BadGateway("WeChat answered the follower batch in an unexpected shape.")
    return [_follower(p) for p in people if isinstance(p, dict)]
