"""The phone marker: `PHONE#<+E.164>` names the one user a phone number is bound to in this deployment."""
from __future__ import annotations

from chalicelib.core import clock
from chalicelib.store import keys, table

PHONE_E164 = "_phone"  # the user's private value: the bound number in +E.164


def owner_of(e164: str) -> str | None:
    marker = table.get(keys.phone_link(e164))
    return marker["user"] if marker else None


def claim_op(e164: str, user_id: str) -> dict:
    """Take the number for the user (refused if someone else holds it)."""
    return table.put_op({**keys.phone_link(e164), "user": user_id, "created": clock.pb_datetime()},
                        condition="attribute_not_exists(pk) OR #u = :me", names={"#u": "user"},
                        values={":me": user_id})


def release_op(e164: str, user_id: str) -> dict:
    """Let the number go, unless it has meanwhile become someone else's."""
    return table.delete_op(keys.phone_link(e164), condition="attribute_not_exists(pk) OR #u = :me",
                           names={"#u": "user"}, values={":me": user_id})
