"""Sessions that can be ended: an auth token is good while its user exists and still holds the token key the token
was issued with (the `tk` claim is a fingerprint of the user's private `_tokenKey`, as PocketBase binds its tokens
to the record's tokenKey).

This module is the one session check for every way a user is identified: the records API's caller, the routes that
need a user (uploads and the WeChat routes among them), functions, protected-file tokens, `mergeToken`, and realtime
sockets (at sign-in, at each subscription and before each event delivered: `holds`). Rotating the key (sign out everywhere, an admin's sign-out, detaching an app) or deleting
the user (an admin's delete, a merge) ends every token issued before.

The check reads the user record (one eventually consistent GetItem). The fingerprint is then kept in this process
for CACHE_SECONDS, so a burst of requests from one user costs one read; a revocation made through this process
drops its entry at once (`forget`), and one made elsewhere bites within CACHE_SECONDS plus the read's replication lag
(well under a second). `make bench` measures the DynamoDB requests the check adds.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from chalicelib.core import auth_tokens
from chalicelib.core.errors import Unauthorized
from chalicelib.records import store
from chalicelib.records.layout import USER_TOKEN_KEY
from chalicelib.records.schema.model import USERS

CACHE_SECONDS = 10.0
MAX_CACHED = 10_000
REVOKED = "The auth token has been revoked; log in again."

_cache: dict[str, tuple[str, float]] = {}  # user id → (fingerprint of the current token key, valid until)
_lock = threading.Lock()


def current_fingerprint(user_id: str) -> tuple[str | None, store.StoredRecord | None]:
    """(fingerprint of the user's token key or None when the user is gone, the record when it was read now)."""
    now = time.monotonic()
    cached = _cache.get(user_id)
    if cached is not None and cached[1] > now:
        return cached[0], None
    user = store.get(USERS, user_id, consistent=False)
    if user is None:
        forget(user_id)
        return None, None
    fingerprint = auth_tokens.token_key_fingerprint(str(user.private.get(USER_TOKEN_KEY, "")))
    with _lock:
        if len(_cache) >= MAX_CACHED:
            _cache.clear()  # a cold start's worth of reads, rarely: simpler than an LRU and just as bounded
        _cache[user_id] = (fingerprint, now + CACHE_SECONDS)
    return fingerprint, user


def check(claims: dict[str, Any]) -> store.StoredRecord | None:
    """Unauthorized unless the claims' `tk` matches the user's current token key. Returns the user record when it
    was read for the check (callers may reuse it), None when the answer came from the cache."""
    fingerprint, user = current_fingerprint(claims["id"])
    if fingerprint is None or not auth_tokens.fingerprints_match(fingerprint, claims.get("tk")):
        raise Unauthorized(REVOKED)
    return user


def holds(user_id: str, token_key: str | None) -> bool:
    """Whether a session begun with this token-key fingerprint (a token's `tk`) is still current: the same check
    and cache as `check`, for a realtime socket that keeps the fingerprint of the token it signed in with."""
    fingerprint, _ = current_fingerprint(user_id)
    return fingerprint is not None and auth_tokens.fingerprints_match(fingerprint, token_key)


def verify(token: str) -> dict[str, Any]:
    """The claims of a valid auth token whose session has not been ended; Unauthorized otherwise."""
    claims = auth_tokens.verify(token)
    check(claims)
    return claims


def verify_with_user(token: str) -> tuple[dict[str, Any], store.StoredRecord | None]:
    claims = auth_tokens.verify(token)
    return claims, check(claims)


def verify_file_token(token: str) -> dict[str, Any]:
    """A protected-file token (`?token=`) whose user's sessions have not been ended since it was issued."""
    claims = auth_tokens.verify_file_token(token)
    check(claims)
    return claims


def forget(user_id: str) -> None:
    """Drop the cached fingerprint (after this process rotated the key or deleted the user)."""
    with _lock:
        _cache.pop(user_id, None)


def forget_all() -> None:
    with _lock:
        _cache.clear()
