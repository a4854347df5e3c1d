"""The central access_token store: `central_store()` is the TokenSource every WeChatClient (client.py) uses.

WeChat asks for one "central control server" per app: fetching a token elsewhere can invalidate the one everybody
uses. Here the table is that server's memory and a lease in it decides who talks to WeChat:

    memory (per Lambda, at most MEMORY_SECONDS)  →  the table (one consistent GetItem)  →  WeChat, by one lease holder

- The lease is a conditional UpdateItem on the app's token item (`lease_until < now`); the winner fetches and stores
  the token, everyone else keeps using the still-valid token (WeChat keeps the old one valid 5 minutes after a
  refresh) or, when there is none yet, waits for the winner's write.
- Memory holds a token at most a minute, well inside that 5-minute overlap, so no worker uses a superseded token
  for long after the table moved on.
- A refresh that fails (WeChat down, -1) is recorded on the item and logged; callers keep the old token while it is
  still valid, and the lease stays taken for a short back-off so an outage is not hammered by every request.
- Apps use `cgi-bin/stable_token` (never force_refresh) unless configured with `tokenMode: classic`
  (`cgi-bin/token`).
- The lease is only granted while a refresh is still needed (no token, one due, or the rejected one still stored),
  so a worker that arrives just after another's refresh reuses it instead of fetching again.
- After a rejection, a stored token other than the rejected one is reused only if it was fetched after the caller
  took the rejected one: an older stored token is as void as the rejected one (WeChat forgot both: a secret reset,
  a token fetched elsewhere), so it is refreshed instead of retried.
- A token WeChat rejects again right after its refresh is recorded on the item (`last_error`, `failures`) and logged
  as an error; for the back-off time callers get that 502 at once instead of fetching again. force_refresh is not
  tried (see fetch_from_wechat).
The scheduled refresher (chalicelib/jobs/token_refresher.py) calls `refresh_if_due` well before expiry, so requests
normally find a fresh token in the table.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from chalicelib.core import logs
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.settings import WeChatApp
from chalicelib.store import keys, table
from chalicelib.wechat import transport
from chalicelib.wechat.errcodes import WeChatError, WeChatUnavailable

MEMORY_SECONDS = 60
USABLE_MARGIN_SECONDS = 60      # never hand out a token with less time left than this
REFRESH_AHEAD_SECONDS = 240     # a request refreshes a token this close to expiry: inside the last 5 minutes,
                                # where stable_token renews (it never returns one with less than 5 minutes left)
LEASE_SECONDS = 15              # longer than one fetch with its retries (transport.py: 3 attempts, 2 s + 5 s timeouts)
FAILURE_BACKOFF_SECONDS = 5
BACKOFF_OWNER = "backoff"       # lease_owner while a failure holds the lease for FAILURE_BACKOFF_SECONDS
WAIT_SECONDS = 8
POLL_SECONDS = 0.05
KEEP_DAYS = 7                   # TTL of an item nobody refreshes any more (an app removed from WXBASE_APPS)


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: int
    cached_until: float = 0.0
    fetched_ms: int = 0         # when it was stored (epoch ms); 0 for items written before this was kept

    def fetched_after(self, moment: float | None) -> bool:
        return moment is None or self.fetched_ms >= int(moment * 1000)

    def left(self, now: float) -> float:
        return self.expires_at - now

    def usable(self, now: float) -> bool:
        return self.left(now) > USABLE_MARGIN_SECONDS


def _from_item(item: dict[str, Any] | None) -> Token | None:
    if item and isinstance(item.get("access_token"), str) and item.get("expires_at"):
        return Token(item["access_token"], int(item["expires_at"]), fetched_ms=int(item.get("fetched_ms") or 0))
    return None


def fetch_from_wechat(app: WeChatApp) -> tuple[str, int]:
    """(access_token, expires_in) from WeChat. stable_token is never force-refreshed here: WeChat allows that 20
    times a day and it invalidates the token for everyone, so it stays a manual tool for a leaked token."""
    secret = app.secret.reveal()
    if app.token_mode == "classic":
        data = transport.call("GET", "/cgi-bin/token",
                           params={"grant_type": "client_credential", "appid": app.appid, "secret": secret})
    else:
        data = transport.call("POST", "/cgi-bin/stable_token", json_body={
            "grant_type": "client_credential", "appid": app.appid, "secret": secret, "force_refresh": False})
    value, expires_in = data.get("access_token"), data.get("expires_in", 7200)
    if not isinstance(value, str) or not value or not isinstance(expires_in, int) or expires_in <= 0:
        raise WeChatUnavailable("WeChat answered the token request without a token.")
    return value, expires_in


def _fetched(value: str, expires_in: int, asked_at: float) -> Token:
    """A token just fetched: it expires `expires_in` after it was asked for, and counts as fetched now."""
    return Token(value, int(asked_at) + expires_in, fetched_ms=int(time.time() * 1000))


def _backoff_error(item: dict[str, Any], now: float) -> Exception | None:
    """The error to answer with while a recorded failure holds the lease (None when no back-off is running)."""
    if item.get("lease_owner") != BACKOFF_OWNER or float(item.get("lease_until") or 0) <= now:
        return None
    errcode = item.get("last_errcode")
    if errcode is not None:
        return WeChatError(int(errcode))
    return WeChatUnavailable("WeChat could not issue an access token; try again shortly.")


class TokenStore:
    """One per process (module-level below); tests and the benchmark make several to play several Lambdas."""

    def __init__(self) -> None:
        self._memory: dict[str, Token] = {}
        self._lock = threading.Lock()

    # --- memory ------------------------------------------------------------------------------------------------
    def _remember(self, appid, token, now):
        token = Token(token.value, token.expires_at, now + min(MEMORY_SECONDS, token.left(now) - REFRESH_AHEAD_SECONDS),
                      token.fetched_ms)
        with self._lock:
            self._memory[appid] = token
        return token

    def _recall(self, appid, now):
        with self._lock:
            token = self._memory.get(appid)
        return token if token and token.cached_until > now and token.usable(now) else None

    def forget(self, appid: str | None = None, value: str | None = None) -> None:
        with self._lock:
            if appid is None:
                self._memory.clear()
            elif value is None or getattr(self._memory.get(appid), "value", None) == value:
                self._memory.pop(appid, None)

    # --- the table ---------------------------------------------------------------------------------------------
    @staticmethod
    def _read(appid):
        return table.get(keys.access_token(appid)) or {}

    @staticmethod
    def _acquire(appid, owner, now, due_before, rejected=None, since=None):
        """Take the refresh lease if it is free and the stored token still needs refreshing: none, due, the rejected
        one, or one fetched before the caller took the rejected one (`since`)."""
        needed = "attribute_not_exists(expires_at) OR expires_at < :due"
        values = {":me": owner, ":until": now + LEASE_SECONDS, ":now": now, ":due": due_before}
        if rejected:
            needed += " OR access_token = :rejected"
            values[":rejected"] = rejected
        if rejected and since is not None:
            needed += " OR attribute_not_exists(fetched_ms) OR fetched_ms < :since"
            values[":since"] = int(since * 1000)
        try:
            table.update(keys.access_token(appid), "SET lease_owner = :me, lease_until = :until",
                         condition=f"(attribute_not_exists(lease_until) OR lease_until < :now) AND ({needed})",
                         values=values, return_values="NONE")
        except table.ConditionFailed:
            return False
        return True

    @staticmethod
    def _store(app, owner, token, now):
        try:
            table.update(
                keys.access_token(app.appid),
                "SET access_token = :t, expires_at = :e, fetched_at = :now, fetched_ms = :ms, token_mode = :mode, "
                "#exp = :ttl, fetches = if_not_exists(fetches, :zero) + :one "
                "REMOVE lease_owner, lease_until, last_error, last_errcode",
                condition="lease_owner = :me", names={"#exp": keys.TTL_ATTRIBUTE},
                values={":t": token.value, ":e": token.expires_at, ":now": int(now), ":ms": token.fetched_ms,
                        ":mode": app.token_mode,
                        ":ttl": token.expires_at + KEEP_DAYS * 86400, ":zero": 0, ":one": 1, ":me": owner},
                return_values="NONE")
        except table.ConditionFailed:  # our lease ran out meanwhile; the token we hold is still good for us
            logs.event("wechat.token_lease_lost", appid=app.appid)

    @staticmethod
    def _record_failure(app, owner, exc, now):
        errcode = getattr(exc, "errcode", None)
        logs.event("wechat.token_refresh_failed", level=logging.WARNING, appid=app.appid, token_mode=app.token_mode,
                   error=exc.__class__.__name__, errcode=errcode)
        try:
            table.update(keys.access_token(app.appid),
                         "SET last_error = :err, last_error_at = :now, lease_owner = :backoff_owner, "
                         "lease_until = :backoff, failures = if_not_exists(failures, :zero) + :one",
                         condition="lease_owner = :me",
                         values={":err": f"{exc.__class__.__name__} {errcode if errcode is not None else ''}".strip(),
                                 ":now": int(now), ":backoff": now + FAILURE_BACKOFF_SECONDS, ":zero": 0, ":one": 1,
                                 ":me": owner, ":backoff_owner": BACKOFF_OWNER},
                         return_values="NONE")
        except table.ConditionFailed:
            pass

    def rejected_after_refresh(self, app: WeChatApp, token: str, errcode: int) -> None:
        """WeChat rejected a token right after it was refreshed for this call: something outside this store voids
        the app's tokens (a reset AppSecret, another server force-refreshing). Record it for operators, and hold the
        lease for the back-off so requests answer the same 502 at once instead of fetching again each."""
        self.forget(app.appid, token)
        now = time.time()
        logs.event("wechat.token_rejected_after_refresh", level=logging.ERROR, appid=app.appid, errcode=errcode,
                   token_mode=app.token_mode)
        try:
            table.update(keys.access_token(app.appid),
                         "SET last_error = :err, last_errcode = :code, last_error_at = :now, lease_owner = :owner, "
                         "lease_until = :backoff, failures = if_not_exists(failures, :zero) + :one",
                         condition="access_token = :t AND (attribute_not_exists(lease_until) OR lease_until < :now)",
                         values={":err": f"rejected after refresh {errcode}", ":code": errcode, ":now": int(now),
                                 ":owner": BACKOFF_OWNER, ":backoff": now + FAILURE_BACKOFF_SECONDS, ":zero": 0,
                                 ":one": 1, ":t": token},
                         return_values="NONE")
        except table.ConditionFailed:  # a newer token was stored meanwhile, or someone is refreshing
            pass

    # --- refresh -----------------------------------------------------------------------------------------------
    def _refresh(self, app, current, rejected=None, since=None):
        """A usable token: fetched under the lease, someone else's fresh one, or `current` while another worker
        (or an outage back-off) holds the lease."""
        now = time.time()
        owner = uuid.uuid4().hex
        if not self._acquire(app.appid, owner, now, now + REFRESH_AHEAD_SECONDS, rejected, since):
            item = self._read(app.appid)
            latest = _from_item(item)
            if latest and latest.value != rejected and latest.usable(now) and (
                    not rejected or latest.fetched_after(since)):
                return self._remember(app.appid, latest, now)
            backoff = _backoff_error(item, now)
            if backoff:
                raise backoff
            return self._wait_for_other(app, rejected or (current.value if current else None), since)
        fallback = current if current and not rejected and current.usable(now) else None
        try:
            value, expires_in = fetch_from_wechat(app)
        except (WeChatError, WeChatUnavailable) as exc:
            self._record_failure(app, owner, exc, now)
            if fallback:
                logs.event("wechat.token_fallback", appid=app.appid, token_expires_at=fallback.expires_at)
                return fallback
            raise
        token = _fetched(value, expires_in, now)
        self._store(app, owner, token, now)
        logs.event("wechat.token_fetched", appid=app.appid, token_mode=app.token_mode,
                   token_expires_at=token.expires_at)
        return self._remember(app.appid, token, now)

    def _wait_for_other(self, app, stale, since=None):
        """Poll the table until the lease holder has stored a token other than `stale` (fetched after `since`), or
        has given up."""
        started = time.time()
        deadline = started + WAIT_SECONDS
        while time.time() < deadline:
            time.sleep(POLL_SECONDS)
            item, now = self._read(app.appid), time.time()
            token = _from_item(item)
            if token and token.value != stale and token.usable(now) and token.fetched_after(since):
                return self._remember(app.appid, token, now)
            if item.get("last_error_at", 0) >= int(started):
                raise WeChatUnavailable("WeChat could not issue an access token; try again shortly.")
        raise ServiceUnavailable("The access token is being refreshed; try again shortly.")

    # --- interface -----------------------------------------------------------------------------------------------
    def token(self, app: WeChatApp) -> Token:
        now = time.time()
        hit = self._recall(app.appid, now)
        if hit:
            return hit
        current = _from_item(self._read(app.appid))
        if current and current.left(now) > REFRESH_AHEAD_SECONDS:
            return self._remember(app.appid, current, now)
        return self._refresh(app, current)

    def after_rejection(self, app: WeChatApp, rejected: str, since: float | None = None) -> Token:
        """A token to use instead of `rejected`, which the caller took at `since` (None: any other stored token is
        newer, as for the team's servers, which only ever hold tokens from this store)."""
        self.forget(app.appid, rejected)
        now = time.time()
        current = _from_item(self._read(app.appid))
        if current and current.value != rejected and current.usable(now) and current.fetched_after(since):
            return self._remember(app.appid, current, now)
        return self._refresh(app, current, rejected=rejected, since=since)

    def refresh_if_due(self, app: WeChatApp, ahead_seconds: float) -> str:
        """'fresh' if the stored token has more than ahead_seconds left, else refresh: 'refreshed' or 'unchanged'
        (stable_token hands out the same token until its last minutes). Raises if WeChat fails."""
        now = time.time()
        current = _from_item(self._read(app.appid))
        if current and current.left(now) > ahead_seconds:
            return "fresh"
        owner = uuid.uuid4().hex
        if not self._acquire(app.appid, owner, now, now + ahead_seconds):
            return "busy"
        try:
            value, expires_in = fetch_from_wechat(app)
        except (WeChatError, WeChatUnavailable) as exc:
            self._record_failure(app, owner, exc, now)
            raise
        token = _fetched(value, expires_in, now)
        self._store(app, owner, token, now)
        logs.event("wechat.token_fetched", appid=app.appid, token_mode=app.token_mode,
                   token_expires_at=token.expires_at, token_source="schedule")
        self._remember(app.appid, token, now)
        return "unchanged" if current and current.value == value else "refreshed"

    # --- TokenSource (client.py) ----------------------------------------------------------------------------------
    def access_token(self, app: WeChatApp) -> str:
        return self.token(app).value

    def replace_rejected(self, app: WeChatApp, rejected: str, since: float) -> str:
        """A token other than `rejected` (taken at `since`): someone else's newer one from the table, or one
        fetched now (once for everybody)."""
        return self.after_rejection(app, rejected, since).value


_central = TokenStore()


def central_store() -> TokenStore:
    """This process's store (its memory cache is per Lambda; the table is shared)."""
    return _central


def health(app: WeChatApp, now: float | None = None) -> dict[str, Any]:
    """What operators need to know about an app's token, from its item (never the token itself): when it expires,
    when it was last fetched, the last refresh error (cleared by a success) and how many refreshes failed."""
    item = TokenStore._read(app.appid)
    now = time.time() if now is None else now
    expires_at = int(item["expires_at"]) if item.get("expires_at") else None
    return {
        "appid": app.appid, "type": app.type, "tokenMode": app.token_mode,
        "hasToken": bool(item.get("access_token")),
        "expiresAt": expires_at, "expiresIn": int(expires_at - now) if expires_at else None,
        "fetchedAt": item.get("fetched_at"), "fetches": int(item.get("fetches") or 0),
        "lastError": item.get("last_error"), "lastErrorAt": item.get("last_error_at"),
        "failures": int(item.get("failures") or 0),
        "refreshing": bool(item.get("lease_until") and float(item["lease_until"]) > now),
    }
