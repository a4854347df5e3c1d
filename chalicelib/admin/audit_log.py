"""The audit trail as the console reads it (store/audit.py writes it)."""
from __future__ import annotations

from typing import Any

from chalicelib.admin import cursors
from chalicelib.store import audit, keys


def entries(params: dict[str, str]) -> dict[str, Any]:
    """The audit trail, newest first, a bounded page at a time."""
    limit = cursors.per_page(params, default=50, maximum=200)
    start = cursors.decode(params.get("cursor"), keys.TABLE_PK, keys.AUDIT_LOG)
    items, last = audit.page(limit, start)
    return {"items": [audit.public(i) for i in items], "nextCursor": cursors.encode(last)}
