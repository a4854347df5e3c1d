"""Console sign-in: an admin key in, a one-hour admin session out (core/admins.py). A refused key is logged
without the key; a sign-in is written to the audit trail under the key's name."""
from __future__ import annotations

import logging
from typing import Any

from chalicelib.core import admins, logs
from chalicelib.core.errors import Unauthorized, invalid
from chalicelib.store import audit

MAX_KEY = 1024


def sign_in(body: dict[str, Any], source_ip: str = "") -> dict[str, Any]:
    key = body.get("key")
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY:
        raise invalid("key", "validation_required", "Enter an admin key.")
    try:
        session = admins.issue_session(key.strip())
    except Unauthorized:
        logs.event("admin.sign_in_refused", level=logging.WARNING, source_ip=source_ip)
        raise
    audit.write(audit.entry(session["admin"]["name"], "sign-in", detail={"sourceIp": source_ip} if source_ip else None))
    logs.event("admin.signed_in", admin=session["admin"]["name"])
    return session

