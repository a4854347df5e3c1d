"""Admins: who an `Authorization` value belongs to — an admin key (`WXBASE_ADMIN_KEYS`, `name:key` entries) or an
admin session token issued for one — and the sessions themselves.

A session is a JWT (HS256, the JWT secret) of type `admin` carrying the admin's name and `kf`, a keyed fingerprint
of the key it was issued for. It is accepted wherever an admin key is, for an hour; removing or changing that key
in WXBASE_ADMIN_KEYS ends its sessions at once. An admin file token (type `adminFile`, three minutes) carries the
same fingerprint and is accepted only as `?token=` on file links. The fingerprint is an HMAC under the JWT secret, so a token reveals
nothing a key could be guessed from. Keys are compared in constant time and never logged.
"""
from __future__ import annotations

import time
from typing import Any

from chalicelib.core import logs
from chalicelib.core.auth_tokens import FILE_TOKEN_SECONDS
from chalicelib.core.errors import Unauthorized
from chalicelib.core.settings import ConfigError, get_settings

SESSION_TYPE = "admin"
SESSION_SECONDS = 3600
FILE_TOKEN_TYPE = "adminFile"
ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32
MAX_PRESENTED = 4096


def _secret() -> str:
    secret = get_settings().jwt_secret.reveal()
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ConfigError("WXBASE_JWT_SECRET must be set to at least 32 bytes.")
    return secret


def key_owner(presented: str) -> str | None:
    """The name of the admin key `presented` is, compared against every key in constant time; None otherwise."""
    import hmac  # OpenSSL's hashes load when used, not in every Lambda's start
    if not presented or len(presented) > MAX_PRESENTED:
        return None
    owner = None
    for name, key in get_settings().named_admin_keys():
        if hmac.compare_digest(presented.encode(), key.encode()) and owner is None:
            owner = name
    return owner


def _fingerprint(key: str) -> str:
    import hashlib
    import hmac
    return hmac.new(_secret().encode(), b"admin-key:" + key.encode(), hashlib.sha256).hexdigest()[:24]


def issue_session(presented_key: str) -> dict[str, Any]:
    """{"token", "admin": {"name"}, "expiresAt"} for a valid admin key; 401 (nothing about the key) otherwise."""
    import jwt

    name = key_owner(presented_key)
    if name is None:
        raise Unauthorized("The admin key is not valid.")
    now = int(time.time())
    claims = {"type": SESSION_TYPE, "name": name, "kf": _fingerprint(presented_key), "iat": now,
              "exp": now + SESSION_SECONDS}
    return {"token": jwt.encode(claims, _secret(), algorithm=ALGORITHM), "admin": {"name": name},
            "expiresAt": claims["exp"]}


def session_owner(token: str) -> str | None:
    """The admin's name for a valid, unexpired session whose key is still configured; None for anything else
    (a user's auth token included)."""
    return _owner_of(token, SESSION_TYPE)


def file_token_owner(token: str) -> str | None:
    """The admin's name for a valid admin file token (`?token=` on a file link) whose key is still configured."""
    name = _owner_of(token, FILE_TOKEN_TYPE)
    if name is not None:
        logs.set_request_auth("_superusers")
    return name


def issue_file_token(presented: str) -> str | None:
    """A short-lived token that lets an `<img>` in an admin's page fetch a protected or held file with `?token=`
    (PocketBase's superuser file token), bound to the same key as the presented admin key or session; None when
    `presented` is neither."""
    import jwt

    fingerprint = _presented_fingerprint(presented)
    if fingerprint is None:
        return None
    name, kf = fingerprint
    now = int(time.time())
    claims = {"type": FILE_TOKEN_TYPE, "name": name, "kf": kf, "iat": now, "exp": now + FILE_TOKEN_SECONDS}
    return jwt.encode(claims, _secret(), algorithm=ALGORITHM)


def _presented_fingerprint(presented: str) -> tuple[str, str] | None:
    name = key_owner(presented)
    if name is not None:
        return name, _fingerprint(presented)
    claims = _valid_claims(presented, SESSION_TYPE)
    return (claims["name"], claims["kf"]) if claims is not None else None


def _owner_of(token: str, kind: str) -> str | None:
    claims = _valid_claims(token, kind)
    return claims["name"] if claims is not None else None


def _valid_claims(token: str, kind: str) -> dict[str, Any] | None:
    """A token's claims when it is of `kind`, unexpired, and its key is still configured under its name."""
    import hmac
    import jwt

    if not token or len(token) > MAX_PRESENTED or token.count(".") != 2:
        return None
    try:
        claims = jwt.decode(token, _secret(), algorithms=[ALGORITHM], options={"require": ["exp", "type", "kf"]})
    except jwt.PyJWTError:
        return None
    if claims.get("type") != kind or not isinstance(claims.get("kf"), str):
        return None
    for name, key in get_settings().named_admin_keys():
        if name == claims.get("name") and hmac.compare_digest(_fingerprint(key), claims["kf"]):
            return claims
    return None


def identify(presented: str) -> str | None:
    """The admin behind an Authorization value (a key, or a session issued for one); None otherwise."""
    name = key_owner(presented) or session_owner(presented)
    if name is not None:
        logs.set_request_auth("_superusers")  # PocketBase's name for its admins, as its request logs show it
    return name
