"""50 concurrent first logins of one new person create exactly one user (threads over HTTP, emulator behind)."""
from concurrent.futures import ThreadPoolExecutor

from tests.stackenv import APP1, APP2


def test_fifty_concurrent_first_logins_make_one_user(live, ddb):
    def login(i):
        appid = APP1 if i % 2 else APP2  # both apps of one unionid, at once
        return live.post("/api/wechat/login", {"code": "sandbox-stampede", "appid": appid})

    with ThreadPoolExecutor(max_workers=50) as pool:
        replies = list(pool.map(login, range(50)))
    assert all(r.status == 200 for r in replies), [r for r in replies if r.status != 200][:3]
    user_ids = {r.json["record"]["id"] for r in replies}
    assert len(user_ids) == 1
    assert sum(r.json["meta"]["isNew"] for r in replies) == 1

    from chalicelib.store import keys, table

    (user_id,) = user_ids
    assert ddb.get_item(TableName="wxbase-test", Key=table.serialize(keys.record("users", user_id)))["Item"]
    openids = {r.json["meta"]["openid"] for r in replies}
    assert len(openids) == 2
    for reply in replies[:2]:
        link = ddb.get_item(TableName="wxbase-test",
                            Key=table.serialize(keys.identity(reply.json["meta"]["appid"],
                                                              reply.json["meta"]["openid"])))["Item"]
        assert link["user"]["S"] == user_id
