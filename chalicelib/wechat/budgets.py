"""Budgets on the WeChat calls that cost money or quota: how many one user, and one app, may make in a window.

`spend(kind, appid, subject)` counts one call before it is made (store/rate_limits.py: one conditional update per
counter, TTL'd; the app's spread over several counters, below), the user's counter first so that one user past their budget never eats the app's. A spent budget
is a 429 naming what ran out, with Retry-After. Results WeChat lets us keep are kept by their callers (a stored
code, a reused link, a phone already verified), so those cost no budget at all.

`WXBASE_WECHAT_BUDGETS` overrides the counts, e.g. `{"phone": {"perUser": 3, "perApp": 5000}}`; a count of 0
means no limit. The windows are fixed per kind (below); docs/limits.md lists the defaults.
"""
from __future__ import annotations

import math
import os
import random
from dataclasses import dataclass
from functools import lru_cache

from chalicelib.core.errors import TooManyRequests
from chalicelib.core.settings import ConfigError, json_config
from chalicelib.store import rate_limits

VARIABLE = "WXBASE_WECHAT_BUDGETS"
HOUR, DAY = 3600, 86400
# An app's counter is one key every user of the app writes: past a few hundred calls a second it would be the
# hottest key of the table (make bench's sharding rows). Large app budgets are split over up to APP_SPREAD counters
# of an equal share each, one picked at random per call; the budget can then refuse a little early (when the
# picked counter is spent before the others), never late.
APP_SPREAD = 16
MIN_PER_COUNTER = 1000


@dataclass(frozen=True)
class Budget:
    what: str  # in the 429's message
    per_user: int
    user_window: int
    per_app: int
    app_window: int = DAY


DEFAULTS = {
    "phone": Budget("phone number lookups", 5, DAY, 10_000),  # charged per successful lookup past the free tier
    "contentCheck": Budget("content checks", 1_000, DAY, 500_000),
    "wxacode": Budget("new mini-program codes", 60, HOUR, 50_000),
    "urllink": Budget("new links", 60, HOUR, 50_000),  # WeChat caps links per app per day
    "subscribeMessage": Budget("subscribe messages", 200, DAY, 1_000_000),
}


def spend(kind: str, appid: str, subject: str | None) -> None:
    """Count one `kind` call of `subject` (a user id or an openid; None: the app's budget only) in `appid`."""
    budget = configured()[kind]
    if subject and budget.per_user:
        _take(f"budget:{kind}", f"user:{subject}", budget.per_user, budget.user_window,
              f"Your {budget.what} for {_window_name(budget.user_window)} are used up; try again later.")
    if budget.per_app:
        spread = max(1, min(APP_SPREAD, budget.per_app // MIN_PER_COUNTER))
        _take(f"budget:{kind}", f"app:{appid}#{random.randrange(spread)}", math.ceil(budget.per_app / spread),
              budget.app_window,
              f"This app's {budget.what} for {_window_name(budget.app_window)} are used up; try again later.")


def _take(scope: str, subject: str, limit: int, window: int, message: str) -> None:
    wait = rate_limits.take(scope, subject, limit, window)
    if wait:
        raise TooManyRequests(message, headers={"Retry-After": str(wait)})


def _window_name(seconds: int) -> str:
    return "this hour" if seconds == HOUR else "today (UTC)" if seconds == DAY else f"these {seconds} seconds"


def configured() -> dict[str, Budget]:
    return parse(os.environ.get(VARIABLE, ""))


@lru_cache(maxsize=8)
def parse(raw: str) -> dict[str, Budget]:
    """The defaults with `WXBASE_WECHAT_BUDGETS`' counts over them; a ConfigError naming a bad entry."""
    if not raw.strip():
        return dict(DEFAULTS)
    overrides = json_config(VARIABLE, raw, dict, "budgets by kind")
    budgets = dict(DEFAULTS)
    for kind, counts in overrides.items():
        if kind not in DEFAULTS:
            raise ConfigError(f"{VARIABLE}: unknown budget {kind!r} (known: {', '.join(DEFAULTS)}).")
        if not isinstance(counts, dict) or set(counts) - {"perUser", "perApp"}:
            raise ConfigError(f"{VARIABLE}.{kind} takes perUser and perApp.")
        for name, value in counts.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"{VARIABLE}.{kind}.{name} must be a whole number (0: no limit).")
        base = budgets[kind]
        budgets[kind] = Budget(base.what, counts.get("perUser", base.per_user), base.user_window,
                               counts.get("perApp", base.per_app), base.app_window)
    return budgets


def describe() -> dict:
    """The budgets in force, as the admin API answers them."""
    return {kind: {"perUser": b.per_user, "userWindow": b.user_window, "perApp": b.per_app, "appWindow": b.app_window}
            for kind, b in configured().items()}
