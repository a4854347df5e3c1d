"""Our own auth tokens: PocketBase-shaped JWTs (HS256, `type: "auth"`, `id`, `collectionId`, `exp`).

Claims add `appid` (the app the user signed in through) and `tk`, a fingerprint of the user's tokenKey. This module
checks signature, expiry and shape only; records/sessions.py compares `tk` with the user's current tokenKey on every
authenticated request, so rotating a user's tokenKey (or deleting the user) ends every token issued before.
"""
from __future__ import annotations

import time
from typing import Any

from chalicelib.core import logs
from chalicelib.core.errors import Unauthorized
from chalicelib.core.settings import ConfigError, get_settings

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32
USERS_COLLECTION_ID = "_pb_users_auth_"
USERS = "users"


def _secret() -> str:
    secret = get_settings().jwt_secret.reveal()
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ConfigError("WXBASE_JWT_SECRET must be set to at least 32 bytes.")
    return secret


def token_key_fingerprint(token_key: str) -> str:
    import hashlib  # OpenSSL's hashes load when used, not in every Lambda's start
    return hashlib.sha256(token_key.encode()).hexdigest()[:16]


def fingerprints_match(expected: str, given: Any) -> bool:
    """Constant-time comparison of a token's `tk` claim with the user's current fingerprint."""
    import hmac
    return isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())


def issue(user_id: str, token_key: str, appid: str, ttl_seconds: int | None = None,
          extra: dict[str, Any] | None = None) -> str:
    """`extra` adds claims (e.g. `sid`, the WeChat session the token was issued with); it never replaces ours."""
    import jwt

    now = int(time.time())
    claims = {
        "type": "auth",
        "id": user_id,
        "collectionId": USERS_COLLECTION_ID,
        "refreshable": True,
        "appid": appid,
        "tk": token_key_fingerprint(token_key),
        "iat": now,
        "exp": now + (ttl_seconds or get_settings().token_ttl_seconds),
    }
    for name, value in (extra or {}).items():
        claims.setdefault(name, value)
    return jwt.encode(claims, _secret(), algorithm=ALGORITHM)


def strip_bearer(header_value: str | None) -> str:
    value = (header_value or "").strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value


def verify(token: str) -> dict[str, Any]:
    """The claims of a valid auth token; Unauthorized for anything else (expired, forged, alg:none, wrong type)."""
    import jwt

    if not token or len(token) > 4096:
        raise Unauthorized()
    try:
        claims = jwt.decode(
            token,
            _secret(),
            algorithms=[ALGORITHM],
            options={"require": ["exp", "id", "type", "tk"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The auth token has expired; log in again.") from None
    except jwt.PyJWTError:
        raise Unauthorized("The auth token is invalid.") from None
    if claims.get("type") != "auth" or claims.get("collectionId") != USERS_COLLECTION_ID:
        raise Unauthorized("The auth token is invalid.")
    if not isinstance(claims.get("id"), str) or not isinstance(claims.get("tk"), str):
        raise Unauthorized("The auth token is invalid.")
    logs.set_request_auth(USERS)
    return claims


FILE_TOKEN_SECONDS = 180  # PocketBase's default protected-file token lifetime


def issue_file_token(user_id: str, token_key: str) -> str:
    """A short-lived token for `?token=` on protected file URLs (an <image> tag can't send Authorization), bound to
    the user's tokenKey like their auth tokens."""
    import jwt

    now = int(time.time())
    claims = {"type": "file", "id": user_id, "collectionId": USERS_COLLECTION_ID, "iat": now,
              "exp": now + FILE_TOKEN_SECONDS, "tk": token_key_fingerprint(token_key)}
    return jwt.encode(claims, _secret(), algorithm=ALGORITHM)


def verify_file_token(token: str) -> dict[str, Any]:
    import jwt

    if not token or len(token) > 4096:
        raise Unauthorized("The file token is invalid.")
    try:
        claims = jwt.decode(token, _secret(), algorithms=[ALGORITHM],
                            options={"require": ["exp", "id", "type", "tk"]})
    except jwt.PyJWTError:
        raise Unauthorized("The file token is invalid or has expired.") from None
    if claims.get("type") != "file" or not isinstance(claims.get("id"), str) or not isinstance(claims.get("tk"), str):
        raise Unauthorized("The file token is invalid.")
    return claims
