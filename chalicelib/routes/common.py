"""Request parsing shared by the route blueprints: bodies, auth and the caller. HTTP in, plain values out."""
from __future__ import annotations

from typing import Any

from chalice.app import Request

from chalicelib.core import admins, auth_tokens, json_input
from chalicelib.core.errors import BadRequest, Forbidden, PayloadTooLarge, Unauthorized
from chalicelib.core.settings import get_settings


def raw_body(request: Request) -> bytes:
    body = request.raw_body or b""
    if isinstance(body, str):  # Chalice's type allows text; its API Gateway events always decode to bytes
        body = body.encode()
    limit = get_settings().max_body_bytes
    if len(body) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    return body


def json_object(request: Request, required: bool = True) -> dict[str, Any]:
    """The body as a JSON object; 400 for anything else (a list, a string, invalid JSON, bad UTF-8, and what
    core/json_input.py refuses: deep nesting, lone surrogates, numbers DynamoDB can't store)."""
    body = raw_body(request)
    if not body.strip():
        if required:
            raise BadRequest("The request body must be a JSON object.")
        return {}
    value = json_input.loads(body)
    if not isinstance(value, dict):
        raise BadRequest("The request body must be a JSON object.")
    return value


def query_params(request: Request) -> dict[str, str]:
    """The query string's values; 400 for one no UTF-8 text can carry (a lone surrogate)."""
    params = dict((request.query_params or {}).items())
    for name, value in params.items():
        if not (json_input.utf8_text(name) and json_input.utf8_text(value)):
            raise BadRequest("A query parameter is not valid text (a lone UTF-16 surrogate).")
    return params


def header_token(request: Request) -> str:
    return auth_tokens.strip_bearer(request.headers.get("authorization"))


def admin_name(request: Request) -> str | None:
    """The admin behind Authorization: an admin key (with or without `Bearer `, compared in constant time) or an
    admin session token; None for anyone else."""
    return admins.identify(header_token(request))


def is_admin(request: Request) -> bool:
    return admin_name(request) is not None


def require_admin(request: Request) -> str:
    """The admin's name; 401 without credentials, 403 for credentials that are not an admin's."""
    if not header_token(request):
        raise Unauthorized("An admin key is required.")
    name = admin_name(request)
    if name is None:
        raise Forbidden("Only admins can perform this request.")
    return name


def admin_query(request: Request) -> dict[str, str]:
    """The query string of a request only admins may make (401/403 as require_admin says)."""
    require_admin(request)
    return query_params(request)


def require_user(request: Request) -> dict[str, Any]:
    """The verified claims of the caller's auth token, whose session has not been ended; 401 without one."""
    from chalicelib.records import sessions

    token = header_token(request)
    if not token:
        raise Unauthorized("The request requires a logged-in user.")
    return sessions.verify(token)


def caller_from(request: Request):  # -> records.access.Caller (imported on first use: routes stay light)
    """Admin key, verified user token, or guest: like PocketBase, an invalid or revoked token makes a guest, not a
    401."""
    from chalicelib.records import sessions
    from chalicelib.records.access import Caller

    headers = {k.lower().replace("-", "_"): v for k, v in request.headers.items() if k.lower() != "authorization"}
    params = query_params(request)
    admin = admin_name(request)
    if admin is not None:
        return Caller(is_admin=True, admin=admin, query=params, headers=headers, method=request.method)
    claims: dict[str, Any] = {}
    user = None
    token = header_token(request)
    if token:
        try:
            claims, user = sessions.verify_with_user(token)
        except Unauthorized:
            claims = {}
    caller = Caller(user_id=claims.get("id"), query=params, headers=headers, method=request.method,
                    appid=claims.get("appid") or None)
    if caller.auth is not None and user is not None:
        caller.auth.known(user)  # `@request.auth.*` rules reuse the record the session check read
    return caller


def audit_admin(request: Request, action: str, **detail: Any) -> None:
    """An audit entry for an admin's action (nothing for a user's): who, what, and small plain details."""
    from chalicelib.store import audit

    admin = admin_name(request)
    if admin is not None:
        audit.write(audit.entry(admin, action, detail={k: v for k, v in detail.items() if v is not None} or None))
