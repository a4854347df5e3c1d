"""Request parsing shared by the route blueprints: bodies, auth and the caller. HTTP in, plain values out."""
from __future__ import annotations

import hmac
import json
from typing import Any

from chalice.app import Request

from chalicelib.core import auth_tokens
from chalicelib.core.errors import BadRequest, Forbidden, PayloadTooLarge, Unauthorized
from chalicelib.core.settings import get_settings


def raw_body(request: Request) -> bytes:
    body = request.raw_body or b""
    limit = get_settings().max_body_bytes
    if len(body) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    return body


def json_object(request: Request, required: bool = True) -> dict[str, Any]:
    """The body as a JSON object; 400 for anything else (a list, a string, invalid JSON, bad UTF-8)."""
    body = raw_body(request)
    if not body.strip():
        if required:
            raise BadRequest("The request body must be a JSON object.")
        return {}
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise BadRequest("The request body must be a JSON object.")
    return value


def query_params(request: Request) -> dict[str, str]:
    return dict((request.query_params or {}).items())


def header_token(request: Request) -> str:
    return auth_tokens.strip_bearer(request.headers.get("authorization"))


def is_admin(request: Request) -> bool:
    """An admin key in Authorization (with or without `Bearer `), compared in constant time against each key."""
    presented = header_token(request)
    if not presented:
        return False
    found = False
    for key in get_settings().admin_key_set():
        found |= hmac.compare_digest(presented.encode(), key.encode())
    return found


def require_admin(request: Request) -> None:
    if not header_token(request):
        raise Unauthorized("An admin key is required.")
    if not is_admin(request):
        raise Forbidden("Only admins can perform this request.")


def require_user(request: Request) -> dict[str, Any]:
    """The verified claims of the caller's auth token; 401 without one."""
    token = header_token(request)
    if not token:
        raise Unauthorized("The request requires a logged-in user.")
    return auth_tokens.verify(token)


def caller_from(request: Request):  # -> records.access.Caller (imported on first use: routes stay light)
    """Admin key, verified user token, or guest: like PocketBase, an invalid token makes a guest, not a 401."""
    from chalicelib.records.access import Caller

    headers = {k.lower().replace("-", "_"): v for k, v in request.headers.items() if k.lower() != "authorization"}
    params = query_params(request)
    if is_admin(request):
        return Caller(is_admin=True, query=params, headers=headers, method=request.method)
    claims: dict[str, Any] = {}
    token = header_token(request)
    if token:
        try:
            claims = auth_tokens.verify(token)
        except Unauthorized:
            claims = {}
    return Caller(user_id=claims.get("id"), query=params, headers=headers, method=request.method,
                  appid=claims.get("appid") or None)
