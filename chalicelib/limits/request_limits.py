"""Rate limits applied to one HTTP request: which rule, whose counter, and a 429 when the window is spent.

Counters live in the table (store/rate_limits.py): one conditional UpdateItem per limited request, no server
state, so every Lambda instance counts into the same window. A signed-in caller (a valid auth token: its
signature only, no read) is counted per user, anyone else per client IP. Admins (admin key or console session),
service keys on their functions and WeChat's own pushes (message push, payment notifications: signed, retried by
WeChat, and never a client) are not limited.
"""
from __future__ import annotations

from typing import Any

from chalicelib.core import admins, auth_tokens
from chalicelib.core.errors import TooManyRequests, Unauthorized
from chalicelib.limits import rules
from chalicelib.store import rate_limits

SERVER_TO_SERVER = ("/api/wechat/callback/", "/api/pay/notify/")
RECORD_ACTIONS = {  # (route pattern, method) → PocketBase's collection action tag
    ("/api/collections/{collection}/records", "GET"): "list",
    ("/api/collections/{collection}/records", "POST"): "create",
    ("/api/collections/{collection}/records/{record_id}", "GET"): "view",
    ("/api/collections/{collection}/records/{record_id}", "PATCH"): "update",
    ("/api/collections/{collection}/records/{record_id}", "DELETE"): "delete",
}
AUTH_ROUTES = ("/api/wechat/login", "/api/collections/{collection}/auth-refresh",
               "/api/collections/users/auth-with-oauth2")


def check(request: Any) -> None:
    """Count the request against the first matching rule; TooManyRequests (PocketBase's 429) once it is spent."""
    configured = rules.configured()
    if not configured:
        return
    path = concrete_path(request.path, request.uri_params or {})
    if path.startswith(SERVER_TO_SERVER):
        return
    token = auth_tokens.strip_bearer(request.headers.get("authorization"))
    user_id = _user_id(token)
    if user_id is None and token and (admins.identify(token) is not None or _is_service_key(path, token)):
        return
    labels, scope = labels_of(request.method, request.path, path, request.uri_params or {})
    audiences = ("", "@auth") if user_id else ("", "@guest")
    rule = rules.find(configured, labels, audiences)
    if rule is None:
        return
    subject = f"user:{user_id}" if user_id else f"ip:{client_ip(request)}"
    wait = rate_limits.take(f"{scope or rule.label}{rule.audience}", subject, rule.max_requests, rule.duration)
    if wait:
        raise TooManyRequests(headers={"Retry-After": str(wait)})


def labels_of(method: str, pattern: str, path: str, params: dict[str, str]) -> tuple[list[str], str]:
    """PocketBase's labels for a request, most specific first, and the counter's scope for a collection action
    (PocketBase counts `*:create` per collection, the path rules per rule)."""
    labels = [f"{method} {path}", path]
    action = RECORD_ACTIONS.get((pattern, method))
    collection = params.get("collection", "")
    if pattern in AUTH_ROUTES:
        action, collection = "auth", "users"
    if action is None:
        return labels, ""
    return [f"{collection}:{action}", f"*:{action}", *labels], f"{collection}:{action}"


def concrete_path(pattern: str, params: dict[str, str]) -> str:
    """The request's path: Chalice hands the route pattern and its parameters apart."""
    for name, value in params.items():
        pattern = pattern.replace("{" + name + "}", value)
    return pattern


def client_ip(request: Any) -> str:
    """API Gateway's source address (never a client-supplied header such as X-Forwarded-For)."""
    return str(((request.context or {}).get("identity") or {}).get("sourceIp") or "unknown")


def _user_id(token: str) -> str | None:
    if not token or token.count(".") != 2:
        return None
    try:
        return str(auth_tokens.verify(token)["id"])
    except Unauthorized:
        return None


def _is_service_key(path: str, token: str) -> bool:
    if not path.startswith("/api/functions/"):
        return False
    from chalicelib.functions import service_keys

    return service_keys.owner(token) is not None
