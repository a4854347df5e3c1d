"""Phone numbers on users: one user per phone per deployment.

The user record keeps the phone in `data.phone` (as WeChat shows it) and its `+E.164` spelling in `_phone`
(server-only). A marker item `PHONE#<+E.164>` names the owner; binding writes the marker, the user and the removal
of the user's previous marker in one transaction, so two users can never hold one phone, even when they race.
A phone held by another user is a 409 unless the caller also proves they own that user (`mergeToken`): then the
two accounts are merged first (users/merge.py).
"""
from chalicelib.core import auth_tokens, clock, logs
from chalicelib.core.errors import Conflict, Unauthorized
from chalicelib.store import keys, table
from chalicelib.store.table import TransactionFailed
from chalicelib.wechat import phone as wechat_phone

USERS = "users"
MAX_ATTEMPTS = 3


class PhoneTaken(Conflict):
    default_message = "This phone number is already bound to another account."

    def __init__(self, message=None):
        super().__init__(message, {"phone": {"code": "validation_not_unique",
                                             "message": "Bound to another account."}})


def fetch(app, code, openid=None):
    return wechat_phone.get_phone_number(app, code, openid=openid)


def owner_of(phone):
    marker = table.get(keys.phone_link(phone.e164))
    return marker["user"] if marker else None


def check_login_phone(appid, session, phone):
    """Before a phone login writes anything: 409 if the phone belongs to someone this login won't resolve to."""
    owner = owner_of(phone)
    if owner is None:
        return
    identity = table.get(keys.identity(appid, session.openid))
    user_id = identity["user"] if identity else None
    if user_id is None and session.unionid:
        link = table.get(keys.unionid_link(session.unionid))
        user_id = link["user"] if link else None
    if user_id != owner:
        raise PhoneTaken("This phone number is already bound to another account; log in without it, then bind it "
                         "with that account's token as mergeToken to merge the two.")


def bind(user_id, phone, merge_token=None):
    """Bind `phone` to the user and return the updated user item."""
    merge_from = None
    if merge_token:
        claims = auth_tokens.verify(merge_token)
        merge_from = claims["id"]
    for _ in range(MAX_ATTEMPTS):
        user = table.get(keys.record(USERS, user_id))
        if user is None:
            raise Unauthorized("The user of this token no longer exists; log in again.")
        if user.get("_phone") == phone.e164:
            return user
        try:
            _write(user, phone)
            logs.event("users.phone_bound", user=user_id)
            return table.get(keys.record(USERS, user_id))
        except TransactionFailed as exc:
            if exc.reasons and exc.reasons[0] != "ConditionalCheckFailed":
                continue  # the user changed under us (version); read again
            owner = owner_of(phone)
            if owner is None or owner == user_id:
                continue  # the marker moved meanwhile; try again
            if merge_from != owner:
                raise PhoneTaken() from None
            from chalicelib.users import merge

            merge.merge_users(into_id=user_id, from_id=owner)
            merge_from = None
    raise Conflict("The account changed while binding the phone; try again.")


def _write(user, phone):
    now = clock.pb_datetime()
    me = user["id"]
    operations = [
        table.put_op({**keys.phone_link(phone.e164), "user": me, "created": now},
                     condition="attribute_not_exists(pk) OR #u = :me", names={"#u": "user"}, values={":me": me}),
        table.update_op(keys.record(USERS, me),
                        "SET #d.#phone = :number, #p = :e164, #v = #v + :one, #updated = :now, #order = :order",
                        condition="#v = :v",
                        names={"#d": "data", "#phone": "phone", "#p": "_phone", "#v": "v", "#updated": "updated",
                               "#order": "g2sk"},  # gsi2 orders records by updated (records/items.py)
                        values={":number": phone.number, ":e164": phone.e164, ":one": 1, ":now": now,
                                ":v": user["v"], ":order": keys.record_order(now, me)}),
    ]
    old = user.get("_phone")
    if old and old != phone.e164:
        operations.append(table.delete_op(keys.phone_link(old), condition="attribute_not_exists(pk) OR #u = :me",
                                          names={"#u": "user"},
                                          values={":me": me}))
    table.transact(operations)
