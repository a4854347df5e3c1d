"""The admin backfill of an official account's followers: `cgi-bin/user/get` pages (next_openid paging, 10,000
openids each) read through `cgi-bin/user/info/batchget` (100 people a call), in bounded batches that resume.

The walk's state is one item (`keys.follower_backfill`): the `next_openid` that fetched the current page
(`pageStart`), how far into that page it got (`offset`), counts, and a lease. Each call takes the lease (one batch
at a time per account; a crashed call's lease lapses after LEASE_SECONDS), re-reads the current page, handles at
most `limit` people, saving the cursor after every 100, and gives the lease back. An interruption (WeChat busy, a
timeout) loses at most the batch of 100 in flight, which the next call repeats; repeating is harmless because
follower writes are conditional on their time (users/follows.py).

Cost against WeChat's limits: one user/get call and at most limit/100 batchget calls per batch. A large `limit`
(up to a page, 10,000) reads each page once; the default keeps a call within a few seconds.
"""
from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.core import logs
from chalicelib.core.errors import BadRequest, Conflict
from chalicelib.core.settings import WeChatApp, get_settings
from chalicelib.store import keys, table
from chalicelib.users import follows
from chalicelib.wechat import user_info

DEFAULT_LIMIT = 1000
MAX_LIMIT = user_info.PAGE_MAX
LEASE_SECONDS = 120
SAVE_THREADS = 8


def _account(appid: str) -> WeChatApp:
    app = get_settings().app(appid)
    if app.type != "officialaccount":
        raise BadRequest(f"The app {appid!r} is not an official account.")
    return app


def progress(appid: str) -> dict[str, Any]:
    """Where the account's backfill stands (`state`: idle, running, done)."""
    _account(appid)
    return _view(appid, table.get(keys.follower_backfill(appid)) or {})


def _view(appid: str, state: dict[str, Any]) -> dict[str, Any]:
    view = {"appid": appid, "state": state.get("state", "idle"), "processed": int(state.get("processed", 0)),
            "following": int(state.get("following", 0)), "total": int(state.get("total", 0))}
    for name in ("startedAt", "completedAt"):
        if state.get(name):
            view[name] = int(state[name])
    return view


def _claim(appid: str, owner: str, now: float) -> dict[str, Any]:
    try:
        claimed = table.update(keys.follower_backfill(appid), "SET leaseOwner = :owner, leaseUntil = :until",
                               condition="attribute_not_exists(leaseUntil) OR leaseUntil < :now",
                               values={":owner": owner, ":until": int(now) + LEASE_SECONDS, ":now": int(now)})
    except table.ConditionFailed:
        raise Conflict("A backfill batch of this account is already running; try again shortly.") from None
    return claimed or {}


def _save_cursor(appid: str, owner: str, cursor: dict[str, Any]) -> None:
    names = {f"#{k}": k for k in cursor}
    values = {f":{k}": v for k, v in cursor.items()}
    sets = ", ".join(f"#{k} = :{k}" for k in cursor)
    table.update(keys.follower_backfill(appid), f"SET {sets}", condition="leaseOwner = :owner", names=names,
                 values={**values, ":owner": owner}, return_values="NONE")


def _release(appid: str, owner: str) -> None:
    try:
        table.update(keys.follower_backfill(appid), "REMOVE leaseOwner, leaseUntil", condition="leaseOwner = :owner",
                     values={":owner": owner}, return_values="NONE")
    except table.ConditionFailed:
        pass  # the lease lapsed and another batch took it


def run_batch(appid: str, limit: int = DEFAULT_LIMIT, restart: bool = False) -> dict[str, Any]:
    """Handle up to `limit` more followers of the account; the progress afterwards."""
    app = _account(appid)
    owner, now = secrets.token_hex(8), time.time()
    state = _claim(appid, owner, now)
    try:
        if state.get("state") == "done" and not restart:
            return _view(appid, state)
        cursor: dict[str, Any] = {"state": "running", "pageStart": state.get("pageStart", ""),
                                  "offset": int(state.get("offset", 0)), "processed": int(state.get("processed", 0)),
                                  "following": int(state.get("following", 0)), "total": int(state.get("total", 0)),
                                  "startedAt": int(state.get("startedAt") or now)}
        if restart or state.get("state") != "running":
            cursor.update(pageStart="", offset=0, processed=0, following=0, startedAt=int(now))
        _save_cursor(appid, owner, cursor)
        _walk(app, owner, cursor, limit)
        return _view(appid, {**state, **cursor})
    finally:
        _release(appid, owner)


def _walk(app: WeChatApp, owner: str, cursor: dict[str, Any], limit: int) -> None:
    budget = limit
    while budget > 0:
        page = user_info.followers_page(app, cursor["pageStart"])
        cursor["total"] = page.total
        todo = page.openids[cursor["offset"]:cursor["offset"] + budget]
        for start in range(0, len(todo), user_info.BATCH_MAX):
            chunk = todo[start:start + user_info.BATCH_MAX]
            people = user_info.batch_info(app, chunk)
            _save_people(app.appid, people, time.time())
            cursor["offset"] += len(chunk)
            cursor["processed"] += len(chunk)
            cursor["following"] += sum(1 for p in people if p.subscribed)
            budget -= len(chunk)
            _save_cursor(app.appid, owner, cursor)
        if cursor["offset"] < len(page.openids):
            return  # the budget ran out inside this page
        if not page.next_openid:
            cursor.update(state="done", completedAt=int(time.time()))
            _save_cursor(app.appid, owner, cursor)
            logs.event("follows.backfill_done", appid=app.appid, processed=cursor["processed"])
            return
        cursor.update(pageStart=page.next_openid, offset=0)
        _save_cursor(app.appid, owner, cursor)


def _save_people(appid: str, people: list[user_info.Follower], at: float) -> None:
    def save(person: user_info.Follower) -> bool:
        return follows.save(appid, person.openid, person.subscribed, at, "backfill", unionid=person.unionid,
                            since=person.subscribe_time)

    with ThreadPoolExecutor(SAVE_THREADS) as pool:
        list(pool.map(save, people))
