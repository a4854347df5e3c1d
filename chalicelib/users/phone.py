"""Phone numbers on users: one user per phone per deployment.

The user record keeps the phone in `data.phone` (as WeChat shows it) and its `+E.164` spelling in a private value;
a marker item (phone_marker.py) names the owner. Binding writes the marker, the user and the release of the user's
previous marker in one transaction, so two users can never hold one phone, even when they race. A phone held by
another user is a 409 unless the caller also proves they own that user (`mergeToken`): then the two accounts are
merged first (users/merge.py).
"""
from __future__ import annotations

from typing import Any

from chalicelib.core import logs
from chalicelib.core.errors import Conflict, Unauthorized, field_error
from chalicelib.core.settings import WeChatApp
from chalicelib.records.query import render
from chalicelib.records import sessions, store
from chalicelib.records.schema.model import USERS
from chalicelib.records.schema.collections import get_schema
from chalicelib.store import identities
from chalicelib.users.apps import pick_app
from chalicelib.users.phone_marker import PHONE_E164, claim_op, live_owner_of, release_op
from chalicelib.wechat import budgets
from chalicelib.wechat import phone_number
from chalicelib.wechat.login import WeChatSession
from chalicelib.wechat.phone_number import PhoneNumber

MAX_ATTEMPTS = 3


class PhoneTaken(Conflict):
    default_message = "This phone number is already bound to another account."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, {"phone": field_error("validation_not_unique", "Bound to another account.")})


def fetch(app: WeChatApp, code: str, openid: str | None = None) -> PhoneNumber:
    """The phone behind a code: a paid lookup, so it spends the person's and the app's phone budgets first."""
    budgets.spend("phone", app.appid, openid)
    return phone_number.get_phone_number(app, code, openid=openid)


def has_verified_phone(appid: str, openid: str) -> bool:
    """Whether the person behind (appid, openid) already has a phone WeChat verified: a phone login then needn't
    buy it again (changing it is `POST /api/wechat/phone`)."""
    identity = identities.identity(appid, openid)
    user = store.get(USERS, identity["user"]) if identity and identity.get("user") else None
    return bool(user and user.private.get(PHONE_E164))


def check_login_phone(appid: str, session: WeChatSession, phone: PhoneNumber) -> None:
    """Before a phone login writes anything: 409 if the phone belongs to someone this login won't resolve to."""
    owner = live_owner_of(phone.e164)
    if owner is None:
        return
    identity = identities.identity(appid, session.openid)
    user_id = identity["user"] if identity else None
    if user_id is None and session.unionid:
        user_id = identities.unionid_owner(session.unionid)
    if user_id != owner:
        raise PhoneTaken("This phone number is already bound to another account; log in without it, then bind it "
                         "with that account's token as mergeToken to merge the two.")


def bind_from_code(claims: dict[str, Any], code: str, merge_token: str | None = None) -> dict[str, Any]:
    """`POST /api/wechat/phone`: the phone behind a getPhoneNumber code, bound to the token's user. The user's
    openid in the token's app goes with the code (as at login), so WeChat checks the code is that user's."""
    app = pick_app(claims.get("appid") or None)
    identity = identities.identity_for_app(claims["id"], app.appid)
    user = bind(claims["id"], fetch(app, code, identity["openid"] if identity else None), merge_token=merge_token)
    return {"record": render.render(user)}


def bind(user_id: str, phone: PhoneNumber, merge_token: str | None = None) -> store.StoredRecord:
    """Bind `phone` to the user and return the updated user."""
    merge_from = sessions.verify(merge_token)["id"] if merge_token else None  # a revoked token proves nothing
    users = get_schema().users
    for _ in range(MAX_ATTEMPTS):
        user = store.get(USERS, user_id)
        if user is None:
            raise Unauthorized("The user of this token no longer exists; log in again.")
        if user.private.get(PHONE_E164) == phone.e164:
            return user
        changes = store.Changes()
        claim = changes.add(claim_op(phone.e164, user_id))
        bound = changes.update(users, user, {**user.data, "phone": phone.number}, private={PHONE_E164: phone.e164})
        previous = user.private.get(PHONE_E164)
        if previous and previous != phone.e164:
            changes.add(release_op(previous, user_id))
        try:
            changes.commit()
        except store.WriteRejected as exc:
            if claim not in exc.positions:
                continue  # the user changed under us (version); read again
            owner = live_owner_of(phone.e164)
            if owner is None or owner == user_id:
                continue  # the marker moved meanwhile; try again
            if merge_from != owner:
                raise PhoneTaken() from None
            from chalicelib.users import merge

            merge.merge_users(into_id=user_id, from_id=owner)
            merge_from = None
            continue
        logs.event("users.phone_bound", user=user_id)
        return bound
    raise Conflict("The account changed while binding the phone; try again.")
