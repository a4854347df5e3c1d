"""`POST /api/functions/{name}`: who may call a function, and the call itself.

Checked in PocketBase's order: an unknown function is a 404, then the caller (401 without valid credentials, 403
with credentials that aren't enough, as PocketBase's RequireAuth/RequireSuperuserAuth answer), then the body (400).
- `guest`: anyone; an invalid token, or one whose session was ended (records/sessions.py), makes a guest, as on
  the records API.
- `user`: a signed-in user of any app of the deployment, or an admin.
- `admin`: an admin key or session, or a service key that lists the function (service_keys.py).
The function's value is answered as JSON (200). An ApiError it raises is its answer; anything else is a 500 that
names the request id (failures.py).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from chalicelib.core import admins, logs
from chalicelib.core.errors import Forbidden, NotFound, Unauthorized
from chalicelib.functions import failures, registry, service_keys
from chalicelib.records import access, sessions

NEEDS_TOKEN = "The request requires valid record authorization token."
NOT_ALLOWED = "The authorized record is not allowed to perform this action."


@dataclass(frozen=True)
class Invocation:
    function: registry.Function
    caller: access.Caller
    service: str | None = None


def _user_claims(token: str) -> dict[str, Any] | None:
    try:
        return sessions.verify(token)
    except Unauthorized:
        return None


def authorize(name: str, token: str, query: dict[str, str] | None = None,
              headers: dict[str, str] | None = None) -> Invocation:
    """The function and the caller it runs for; 404, 401 or 403 otherwise."""
    found = registry.FUNCTIONS.get(name)
    if found is None:
        raise NotFound("The function wasn't found.")
    def caller(**who: Any) -> access.Caller:
        return access.Caller(query=dict(query or {}), headers=dict(headers or {}), method="POST", **who)

    admin = admins.identify(token) if token else None
    if admin is not None:
        return Invocation(found, caller(is_admin=True, admin=admin))
    claims = _user_claims(token) if token else None
    if found.auth == "admin":
        if claims is not None:
            raise Forbidden(NOT_ALLOWED)
        key = service_keys.owner(token) if token else None
        if key is None:
            raise Unauthorized(NEEDS_TOKEN)
        if found.name not in key.functions:
            raise Forbidden(NOT_ALLOWED)
        return Invocation(found, caller(is_admin=True, admin=f"service:{key.name}"), key.name)
    if claims is None and found.auth == "user":
        raise Unauthorized(NEEDS_TOKEN)
    claims = claims or {}
    return Invocation(found, caller(user_id=claims.get("id"), appid=claims.get("appid") or None))


def run(invocation: Invocation, body: dict[str, Any]) -> str:
    """The function's answer as a JSON document."""
    from chalicelib.functions import context

    fn = invocation.function
    ctx = context.for_caller(invocation.caller, fn.name, invocation.service)
    started = time.monotonic()
    with failures.reported(f"function {fn.name}", fn.fn, shown=f"The function {fn.name}"):
        result = fn.fn(ctx, body)
        answer = json.dumps(result, ensure_ascii=False, allow_nan=False)
    logs.event("function_called", function=fn.name, auth=fn.auth, caller=invocation.caller.scope
               if not invocation.service else f"service:{invocation.service}",
               elapsed_ms=int((time.monotonic() - started) * 1000))
    return answer
