"""The phone marker: `PHONE#<+E.164>` names the one user a phone number is bound to in this deployment."""
from __future__ import annotations

from chalicelib.core import clock
from chalicelib.records import store
from chalicelib.records.schema.model import USERS
from chalicelib.records.layout import USER_PHONE
from chalicelib.store import keys, table
from chalicelib.store.table import ConditionFailed

PHONE_E164 = USER_PHONE  # the user's private value: the bound number in +E.164


def owner_of(e164: str) -> str | None:
    marker = table.get(keys.phone_link(e164))
    return marker["user"] if marker else None


def live_owner_of(e164: str) -> str | None:
    """The owner, when that user still exists. A marker left by a user deleted before deletes released their
    markers is removed here (conditional on still naming that user), so the phone can be bound again."""
    owner = owner_of(e164)
    if owner is None or store.get(USERS, owner) is not None:
        return owner
    try:
        table.delete(keys.phone_link(e164), condition="#u = :gone", names={"#u": "user"}, values={":gone": owner})
    except ConditionFailed:
        return owner_of(e164)  # taken by someone meanwhile
    return None


def claim_op(e164: str, user_id: str) -> dict:
    """Take the number for the user (refused if someone else holds it)."""
    return table.put_op({**keys.phone_link(e164), "user": user_id, "created": clock.pb_datetime()},
                        condition="attribute_not_exists(pk) OR #u = :me", names={"#u": "user"},
                        values={":me": user_id})


def release_op(e164: str, user_id: str) -> dict:
    """Let the number go, unless it has meanwhile become someone else's."""
    return table.delete_op(keys.phone_link(e164), condition="attribute_not_exists(pk) OR #u = :me",
                           names={"#u": "user"}, values={":me": user_id})
