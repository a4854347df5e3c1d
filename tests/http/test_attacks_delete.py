"""An admin deleting a user releases everything that named it — phone marker, unionid link, identities — in the
delete's own transaction: the same person can sign up again, through every app, and bind the same phone."""
from tests.records_helpers import ADMIN
from tests.stackenv import APP1, APP2

USERS = "/api/collections/users/records"
PHONE = "/api/wechat/phone"


def _markers(ddb, user_id):
    from chalicelib.store import identities

    return identities.link_items(user_id)


def _item(ddb, key):
    from chalicelib.store import table

    return ddb.get_item(TableName="wxbase-test", Key=table.serialize(key), ConsistentRead=True).get("Item")


def test_a_deleted_user_can_sign_up_again_and_bind_the_same_phone(api, ddb, sandbox):
    from chalicelib.store import keys

    first = api.post("/api/wechat/login", {"code": "sandbox-comeback", "appid": APP1,
                                           "phoneCode": "sandbox-phone-13600000001"}).json
    via_app2 = api.login("comeback", APP2)
    assert via_app2["record"]["id"] == first["record"]["id"]  # one person, two apps, one unionid
    old_id = first["record"]["id"]
    assert len(_markers(ddb, old_id)) == 3  # two identities and the unionid link
    assert api.delete(f"{USERS}/{old_id}", token=ADMIN).status == 204

    assert _item(ddb, keys.phone_link("+8613600000001")) is None
    assert _item(ddb, keys.identity(APP1, first["meta"]["openid"])) is None
    assert _item(ddb, keys.identity(APP2, via_app2["meta"]["openid"])) is None
    assert _markers(ddb, old_id) == []

    again = api.login("comeback", APP1)
    assert again["meta"]["isNew"] is True and again["record"]["id"] != old_id
    bound = api.post(PHONE, {"code": "sandbox-phone-13600000001"}, token=again["token"])
    assert bound.status == 200, bound
    assert api.login("comeback", APP2)["record"]["id"] == again["record"]["id"]  # the unionid joined them again


def test_a_phone_login_after_the_delete_is_not_refused(api, sandbox):
    first = api.post("/api/wechat/login", {"code": "sandbox-comeback-phone", "appid": APP1,
                                           "phoneCode": "sandbox-phone-13600000002"}).json
    assert api.delete(f"{USERS}/{first['record']['id']}", token=ADMIN).status == 204
    again = api.post("/api/wechat/login", {"code": "sandbox-comeback-phone", "appid": APP1,
                                           "phoneCode": "sandbox-phone-13600000002"})
    assert again.status == 200, again
    assert again.json["meta"]["isNew"] is True and again.json["record"]["phone"] == "13600000002"


def test_a_marker_left_by_an_older_delete_is_cleared_on_the_next_bind(api, ddb):
    """Users deleted before deletes released their markers left a phone marker naming nobody."""
    from chalicelib.store import keys, table

    table.put({**keys.phone_link("+8613600000003"), "user": "gone00000000000", "created": "2025-01-01"})
    me = api.login("inherits-a-stale-marker", APP1)
    reply = api.post(PHONE, {"code": "sandbox-phone-13600000003"}, token=me["token"])
    assert reply.status == 200, reply
    assert _item(ddb, keys.phone_link("+8613600000003"))["user"]["S"] == me["record"]["id"]


def test_users_can_not_delete_users_and_a_marker_of_someone_else_survives(api, ddb):
    from chalicelib.store import keys

    victim = api.post("/api/wechat/login", {"code": "sandbox-not-deleted", "appid": APP1,
                                            "phoneCode": "sandbox-phone-13600000004"}).json
    attacker = api.login("deleter", APP1)
    assert api.delete(f"{USERS}/{victim['record']['id']}", token=attacker["token"]).status == 403
    assert api.delete(f"{USERS}/{attacker['record']['id']}", token=attacker["token"]).status == 403
    assert _item(ddb, keys.phone_link("+8613600000004"))["user"]["S"] == victim["record"]["id"]
    # the attacker's own deletion by an admin releases only the attacker's markers
    assert api.delete(f"{USERS}/{attacker['record']['id']}", token=ADMIN).status == 204
    assert _item(ddb, keys.phone_link("+8613600000004"))["user"]["S"] == victim["record"]["id"]
    assert _item(ddb, keys.identity(APP1, victim["meta"]["openid"])) is not None
