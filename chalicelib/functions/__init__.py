"""The extension API for the team's own code (the top-level `functions/` package; docs/functions.md).

    from chalicelib.functions import function, before, after, every, Refused

    @function("whoami", auth="user")          # POST /api/functions/whoami, JSON body in, JSON out
    def whoami(ctx, body): return {"appid": ctx.appid, "openid": ctx.openid}

    @before("create", "comments")             # in the write path, before the conditional write
    def no_shouting(ctx, write):
        if write.data.get("text", "").isupper(): raise Refused("text", "Please don't shout.")

    @after("create", "comments")              # once per stored change, from the table's stream
    def count(ctx, change): ...

    @every("5 minutes")                       # as admin, on a schedule
    def tidy(ctx): ...

This module only records declarations (registry.py) and stays light: every Lambda imports it at start. The context
(context.py), the HTTP service (calls.py), the stream step (after_hooks.py) and the schedule dispatcher (schedule.py)
load what they need when first used. docs/functions.md describes it all.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable

from chalicelib.core.errors import ApiError, BadRequest, Forbidden, NotFound
from chalicelib.functions import registry
from chalicelib.records.write import hooks
from chalicelib.records.write.hooks import Refused, Write

if TYPE_CHECKING:
    from chalicelib.functions.context import Context

__all__ = ["ApiError", "BadRequest", "Context", "Forbidden", "NotFound", "Refused", "Write", "after", "before",
           "every", "function", "load"]

F = Callable[..., Any]


def function(name: str, auth: str = "user") -> Callable[[F], F]:
    """`fn(ctx, body)` answers `POST /api/functions/{name}`; auth is "guest", "user" or "admin"."""
    def register(fn: F) -> F:
        registry.add_function(name, auth, fn)
        return fn

    return register


def before(action: str, collection: str) -> Callable[[F], F]:
    """`fn(ctx, write)` runs before each create/update/delete of the collection is written: change `write.data`
    (validated like the request's own body) or raise Refused(field, message) to refuse with a 400."""
    def register(fn: F) -> F:
        @functools.wraps(fn)
        def hook(write: Write) -> None:
            from chalicelib.functions import context, failures

            ctx = context.for_caller(write.caller, f"before {action} {collection}")
            with failures.reported("before hook", fn):
                fn(ctx, write)

        hooks.register(action, collection, hook)
        return fn

    return register


def after(action: str, collection: str) -> Callable[[F], F]:
    """`fn(ctx, change)` runs once per stored create/update/delete of the collection (at least once delivered,
    deduplicated per change, in order per record), as admin."""
    def register(fn: F) -> F:
        registry.add_after(action, collection, fn)
        return fn

    return register


def every(period: str, name: str | None = None) -> Callable[[F], F]:
    """`fn(ctx)` runs every period ("5 minutes", "1 hour", "1 day"), as admin."""
    def register(fn: F) -> F:
        registry.add_schedule(period, fn, name)
        return fn

    return register


def load(names: list[str] | None = None) -> list[str]:
    """Import the team's package(s) (WXBASE_FUNCTIONS, default `functions`) and every module in them."""
    return registry.load(names)
