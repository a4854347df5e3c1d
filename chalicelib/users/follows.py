"""Who follows the deployment's official accounts: one item per (account, openid), matched to users by unionid.

The item (`keys.follower`) holds `following`, `since` (epoch seconds of the latest follow), `changedAt` (when that
state was true: a push's CreateTime, or the moment WeChat was asked), `source` (push, lookup, backfill) and, when
known, `unionid`, under which gsi3 files it so one Query answers every account for one person. Every write is
conditional on `changedAt`, so an older observation (a late or redelivered push, a slow backfill) never overwrites a
newer one.

Kept current by the account's subscribe/unsubscribe pushes (the callback worker calls `record_push`), filled by the
admin backfill (users/follows_backfill.py), and for a person never seen by one `cgi-bin/user/info` lookup through
their own identity in that account. When nothing can be known the answer is `following: false` with a `source`
that says why (`no-unionid`, `never-seen`, or `not-a-follower` once a complete backfill has listed everyone).
"""
from __future__ import annotations

import time
from typing import Any

from chalicelib.core import clock, logs
from chalicelib.core.settings import WeChatApp, get_settings
from chalicelib.store import identities, keys, table
from chalicelib.wechat import user_info
from chalicelib.wechat.errcodes import SYSTEM_BUSY, WeChatError

FOLLOW, UNFOLLOW = "subscribe", "unsubscribe"
EVENTS = (FOLLOW, UNFOLLOW)
# Why a person is reported as not following when no state is stored for them:
NO_UNIONID = "no-unionid"  # no unionid and no identity in the account: nothing can match them
NEVER_SEEN = "never-seen"  # no push, backfill or identity for them yet (a backfill would tell)
NOT_A_FOLLOWER = "not-a-follower"  # a complete backfill listed every follower, and pushes kept it since


def official_accounts() -> list[WeChatApp]:
    return [a for a in get_settings().apps if a.type == "officialaccount"]


def save(appid: str, openid: str, following: bool, at: float, source: str, unionid: str = "",
         since: float = 0) -> bool:
    """Store one observation unless a newer one is stored already; False when it was older."""
    item: dict[str, Any] = {**keys.follower(appid, openid), "appid": appid, "openid": openid,
                            "following": following, "changedAt": int(at), "source": source}
    if following and since:
        item["since"] = int(since)
    if unionid:
        item.update(unionid=unionid, **keys.follower_by_unionid(unionid, appid))
    try:
        table.put(item, condition="attribute_not_exists(pk) OR changedAt <= :at", values={":at": int(at)})
    except table.ConditionFailed:
        return False
    return True


def record_push(app: WeChatApp, event: str, openid: str, at: float) -> bool:
    """Apply a subscribe/unsubscribe push (its CreateTime is `at`). False when a newer state was already stored.

    The unionid comes from the stored state, else from `cgi-bin/user/info` (WeChat answers it for a new follower;
    after an unfollow it may not). A busy or unreachable WeChat fails the step so the queue retries it; any other
    refusal stores the state without a unionid (it still answers through the person's identity in the account).
    """
    if event not in EVENTS or not openid:
        return False
    existing = table.get(keys.follower(app.appid, openid)) or {}
    if int(existing.get("changedAt", -1)) > int(at):
        return False
    unionid = str(existing.get("unionid") or "")
    if not unionid:
        try:
            unionid = user_info.user_info(app, openid).unionid
        except WeChatError as exc:
            if exc.errcode == SYSTEM_BUSY:
                raise
            logs.event("follows.unionid_unavailable", appid=app.appid, errcode=exc.errcode)
    following = event == FOLLOW
    stored = save(app.appid, openid, following, at, "push", unionid=unionid, since=at if following else 0)
    logs.event("follows.push", appid=app.appid, following=following, stored=stored)
    return stored


def lookup(app: WeChatApp, openid: str) -> dict[str, Any]:
    """Ask WeChat about one person (`cgi-bin/user/info`) and keep the answer as their state."""
    now = time.time()
    try:
        person = user_info.user_info(app, openid)
    except WeChatError as exc:
        if exc.errcode != user_info.INVALID_OPENID:
            raise
        person = user_info.Follower(openid=openid, subscribed=False)  # not a user of this account at all
    save(app.appid, openid, person.subscribed, now, "lookup", unionid=person.unionid,
         since=person.subscribe_time)
    return table.get(keys.follower(app.appid, openid)) or {}


def _answer(appid: str, state: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"appid": appid, "following": bool(state.get("following")),
                            "source": state.get("source", "")}
    if item["following"] and state.get("since"):
        item["since"] = clock.pb_datetime(int(state["since"]))
    return item


def for_user(user_id: str) -> dict[str, Any]:
    """`{"items": [{"appid", "following", "since"?, "source"}]}`, one per official account of the deployment."""
    accounts = official_accounts()
    if not accounts:
        return {"items": []}
    links = identities.link_items(user_id)
    unionid = identities.unionid_of(user_id, links)
    openids = {i["appid"]: i["openid"] for i in identities.identities(user_id, links)
               if i.get("appid") in {a.appid for a in accounts} and i.get("openid")}
    wanted = [keys.follower(a, o) for a, o in openids.items()] + [keys.follower_backfill(a.appid) for a in accounts]
    found = {(i[keys.TABLE_PK], i[keys.TABLE_SK]): i for i in table.batch_get(wanted, consistent=True)}
    by_unionid: dict[str, dict[str, Any]] = {}
    if unionid:
        partition, _ = keys.gsi_attributes(keys.FOLLOWERS_BY_UNIONID_SLOT)
        items, _ = table.query("#pk = :pk", names={"#pk": partition},
                               values={":pk": keys.followers_of_unionid(unionid)},
                               index=keys.gsi(keys.FOLLOWERS_BY_UNIONID_SLOT), limit=100)
        for item in items:
            if int(item.get("changedAt", 0)) >= int(by_unionid.get(item["appid"], {}).get("changedAt", -1)):
                by_unionid[item["appid"]] = item
    answers = []
    for account in accounts:
        openid = openids.get(account.appid)
        state = None
        if openid:
            key = keys.follower(account.appid, openid)
            state = found.get((key[keys.TABLE_PK], key[keys.TABLE_SK]))
        state = state or by_unionid.get(account.appid)
        if state is None and openid:
            state = lookup(account, openid)
        if state:
            answers.append(_answer(account.appid, state))
            continue
        fill = keys.follower_backfill(account.appid)
        complete = bool(found.get((fill[keys.TABLE_PK], fill[keys.TABLE_SK]), {}).get("completedAt"))
        reason = NO_UNIONID if not unionid else NOT_A_FOLLOWER if complete else NEVER_SEEN
        answers.append({"appid": account.appid, "following": False, "source": reason})
    return {"items": answers}
