"""Users for the console: search by id, name, phone, openid (in every configured app) or unionid; a user's
identities in each app; sign them out everywhere. Phone numbers leave here masked to their last four digits."""
from __future__ import annotations

import re
from typing import Any

from chalicelib.core import ids
from chalicelib.core.errors import Conflict, NotFound, invalid
from chalicelib.core.settings import get_settings
from chalicelib.records import access, store
from chalicelib.records.query import listing
from chalicelib.records.schema.model import USERS
from chalicelib.store import audit, identities
from chalicelib.users import phone_marker, service

SEARCH_BY = ("auto", "id", "name", "phone", "openid", "unionid")
MAX_QUERY = 128
NAME_RESULTS = 20
MAX_ATTEMPTS = 5


def mask_phone(number: str) -> str:
    """`13800138000` → `*******8000`: enough to tell numbers apart on a call, not enough to dial."""
    digits = re.sub(r"\D", "", number or "")
    if not digits:
        return ""
    return "*" * max(0, len(digits) - 4) + digits[-4:]


def summary(user: store.StoredRecord) -> dict[str, Any]:
    return {"id": user.id, "name": user.data.get("name", ""), "avatar": user.data.get("avatar", ""),
            "created": user.created, "updated": user.updated, "phone": mask_phone(str(user.data.get("phone") or ""))}


def _phone_keys(raw: str) -> list[str]:
    """The +E.164 spellings a typed number may stand for (a mainland mobile without its country code, too)."""
    digits = re.sub(r"\D", "", raw)
    if not 4 <= len(digits) <= 20:
        return []
    spellings = ["+" + digits]
    if len(digits) == 11 and digits.startswith("1"):
        spellings.insert(0, "+86" + digits)
    return spellings


def _by_id(q: str) -> list[str]:
    return [q] if ids.is_valid_id(q) else []


def _by_phone(q: str) -> list[str]:
    return [o for o in (phone_marker.owner_of(k) for k in _phone_keys(q)) if o]


def _by_openid(q: str) -> list[str]:
    found = (identities.identity(app.appid, q) for app in get_settings().apps)
    return [i["user"] for i in found if i and i.get("user")]


def _by_unionid(q: str) -> list[str]:
    owner = identities.unionid_owner(q)
    return [owner] if owner else []


def _by_name(q: str) -> list[str]:
    text = q.replace("\\", "").replace('"', "")
    params = {"filter": f'name ~ "{text}"', "perPage": str(NAME_RESULTS), "skipTotal": "1", "sort": "-created",
              "fields": "id"}
    page = listing.list_records(USERS, params, access.Caller(is_admin=True))
    return [r["id"] for r in page["items"]]


FINDERS = {"id": _by_id, "phone": _by_phone, "openid": _by_openid, "unionid": _by_unionid, "name": _by_name}


def search(params: dict[str, str]) -> dict[str, Any]:
    """{"items": [user summaries]}: exact look-ups first (auto tries each), then names containing the text."""
    q = (params.get("q") or "").strip()
    by = params.get("by") or "auto"
    if by not in SEARCH_BY:
        raise invalid("by", "validation_invalid_value", f"Must be one of {', '.join(SEARCH_BY)}.")
    if not q or len(q) > MAX_QUERY:
        raise invalid("q", "validation_invalid_value", f"Type 1-{MAX_QUERY} characters to search for.")
    found: list[str] = []
    for name in (("id", "openid", "unionid", "phone", "name") if by == "auto" else (by,)):
        found += [u for u in FINDERS[name](q) if u not in found]
        if found and by == "auto" and name != "name":
            break  # an exact match is what was meant
    users = {u.id: u for u in store.get_many((USERS, u) for u in found)}
    return {"items": [summary(users[u]) for u in found if u in users]}


def detail(user_id: str) -> dict[str, Any]:
    """A user with their identity in each app (no session key ever) and their unionid."""
    user = store.get(USERS, user_id) if ids.is_valid_id(user_id) else None
    if user is None:
        raise NotFound("No such user.")
    links = identities.link_items(user.id)
    apps = {a.appid: a for a in get_settings().apps}
    found = []
    for item in identities.identities(user.id, links):
        app = apps.get(item.get("appid", ""))
        found.append({"appid": item.get("appid", ""), "openid": item.get("openid", ""),
                      "type": app.type if app else item.get("type", ""), "configured": app is not None,
                      "created": item.get("created", ""), "lastLogin": item.get("session_at", "")})
    return {**summary(user), "identities": sorted(found, key=lambda i: i["appid"]),
            "unionid": identities.unionid_of(user.id, links)}


def sign_out(user_id: str, admin: str) -> dict[str, Any]:
    """Rotate the user's token key: every token issued before stops being refreshed."""
    if not ids.is_valid_id(user_id) or store.get(USERS, user_id) is None:
        raise NotFound("No such user.")
    for _ in range(MAX_ATTEMPTS):
        try:
            service.revoke_tokens(user_id, also=(audit.put_op(audit.entry(admin, "sign-out", USERS, user_id)),))
        except store.WriteRejected:
            continue  # the user changed meanwhile (version): read again
        return {"signedOut": True}
    raise Conflict()
