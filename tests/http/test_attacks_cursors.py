"""Crafted admin cursors: a valid base64 start key lacking its sort key (the attack that made a 500), one with extra
or non-string attributes, one in another partition, one nested thousands deep: a 400 on every admin list that pages
by cursor (audit trail, review queue, subscribe messages), never a 500 and never another partition's items."""
import base64
import json

import pytest

from tests.stackenv import ADMIN_KEY


def crafted(value):
    raw = value.encode() if isinstance(value, str) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


LISTS = {  # path → its partition attribute and value, and the index's sort attribute when the Query is on an index
    "/api/admin/audit": ("pk", "AUDIT", None),
    "/api/admin/review-queue": ("pk", "REVIEW", None),
}


def _cursors(attribute, partition, index_sort):
    whole = {"pk": partition, "sk": "x"} if attribute == "pk" else {"pk": "p", "sk": "s", attribute: partition,
                                                                      index_sort: "x"}
    lacking_sort = {k: v for k, v in whole.items() if k != "sk"}
    yield "lacking its sort key", crafted(lacking_sort)
    yield "an extra attribute", crafted({**whole, "other": "x"})
    yield "a number", crafted({**whole, "sk": 5})
    yield "an empty sort key", crafted({**whole, "sk": ""})
    yield "another partition", crafted({**whole, attribute: "USER#someone"})
    yield "a list", crafted([whole])
    yield "nested arrays", crafted("[" * 5000 + "]" * 5000)
    yield "not base64", "%%%"


@pytest.mark.parametrize("path", sorted(LISTS))
def test_crafted_cursors_are_400(api, path):
    assert api.get(path, token=ADMIN_KEY).status == 200
    for name, cursor in _cursors(*LISTS[path]):
        reply = api.get(f"{path}?cursor={cursor}", token=ADMIN_KEY)
        assert reply.status == 400, (name, reply)
        assert reply.json["data"]["cursor"]["code"] == "validation_invalid_value"


def test_crafted_subscribe_message_cursors_are_400(api):
    from chalicelib.store import keys

    attribute, sort = keys.gsi_attributes(keys.MESSAGES_BY_DAY_SLOT)
    day = "2026-01-02"
    path = f"/api/admin/subscribe-messages?day={day}"
    assert api.get(path, token=ADMIN_KEY).status == 200
    for name, cursor in _cursors(attribute, keys.subscribe_day_bucket(day), sort):
        reply = api.get(f"{path}&cursor={cursor}", token=ADMIN_KEY)
        assert reply.status == 400, (name, reply)


def test_a_well_formed_cursor_in_the_partition_pages_on(api):
    reply = api.get(f"/api/admin/audit?cursor={crafted({'pk': 'AUDIT', 'sk': 'zzz'})}", token=ADMIN_KEY)
    assert reply.status == 200 and isinstance(reply.json["items"], list)
