"""Who a socket acts for: the user it signed in as while that token's session holds — the REST API's own check and
cache (records/sessions.py: a revocation made in this process bites at once, one made elsewhere within its cache
window) — else a guest. A socket whose session was ended is signed out for good, and told once."""
from __future__ import annotations

from chalicelib.records import sessions
from chalicelib.store import connections

REVOKED_STATUS = 401


def user_of(connection: connections.Connection, now: float) -> tuple[str | None, bool]:
    """(the user the connection acts for now or None for a guest, whether its session was ended just now)."""
    user_id = connection.user_at(now)
    if user_id is None:
        return None, False
    if sessions.holds(user_id, connection.token_key):
        return user_id, False
    connections.sign_in(connection.id, None, None, 0)
    return None, True
