"""Rules as PocketBase applies them, and conditional writes that never lose an update."""
import concurrent.futures

from tests.records_helpers import ADMIN, post, user

POSTS = "/api/collections/posts/records"
FAVS = "/api/collections/favourites/records"


def _fav(api, who, target):
    reply = api.post(FAVS, {"post": target["id"], "note": "mine"}, token=who["token"])
    assert reply.status == 200, reply
    return reply.json


def test_user_b_cannot_touch_user_a_private_records(api):
    alice, bob = user(api), user(api)
    target = post(api, alice)
    fav = _fav(api, alice, target)
    url = f"{FAVS}/{fav['id']}"
    # list: filtered by the list rule (200, none of alice's), also when bob asks for them explicitly
    listed = api.get(f'{FAVS}?filter=user="{alice["id"]}"', token=bob["token"])
    assert listed.status == 200 and listed.json["items"] == [] and listed.json["totalItems"] == 0
    assert api.get(FAVS, token=bob["token"]).json["items"] == []
    # view, update, delete: 404, as if the record did not exist
    assert api.get(url, token=bob["token"]).status == 404
    assert api.patch(url, {"note": "hacked"}, token=bob["token"]).status == 404
    assert api.delete(url, token=bob["token"]).status == 404
    # re-own: alice can't hand her record to bob, bob can't create records in alice's name
    assert api.patch(url, {"user": bob["id"]}, token=alice["token"]).status == 404
    forged = api.post(FAVS, {"post": target["id"], "user": alice["id"]}, token=bob["token"])
    assert forged.status == 400
    # nothing changed
    still = api.get(url, token=alice["token"])
    assert still.status == 200 and still.json["note"] == "mine" and still.json["user"] == alice["id"]
    assert api.get(FAVS, token=alice["token"]).json["totalItems"] == 1


def test_forged_and_expired_tokens_are_guests(api):
    alice = user(api)
    fav = _fav(api, alice, post(api, alice))
    forged = alice["token"][:-4] + ("AAAA" if not alice["token"].endswith("AAAA") else "BBBB")
    assert api.get(f"{FAVS}/{fav['id']}", token=forged).status == 404
    assert api.get(FAVS, token=forged).json["items"] == []
    assert api.post(FAVS, {"post": fav["post"]}, token=forged).status == 400  # guest fails the create rule


def test_guests_get_what_the_rules_say(api):
    alice = user(api)
    public, draft = post(api, alice, title="pub"), post(api, alice, title="draft", status="draft")
    assert api.get(f"{POSTS}/{public['id']}").status == 200
    assert api.get(f"{POSTS}/{draft['id']}").status == 404
    listed = api.get(f'{POSTS}?filter=owner="{alice["id"]}"&perPage=100').json
    assert [r["id"] for r in listed["items"]] == [public["id"]]
    assert api.post(POSTS, {"title": "x", "status": "draft"}).status == 400  # create rule fails → 400
    assert api.patch(f"{POSTS}/{public['id']}", {"title": "x"}).status == 404
    assert api.delete(f"{POSTS}/{public['id']}").status == 404
    comment = api.post("/api/collections/comments/records", {"post": public["id"], "text": "hi"},
                       token=alice["token"]).json
    assert api.get(f"/api/collections/comments/records/{comment['id']}").status == 200  # "" rule: anyone


def test_locked_rules_are_403_except_for_admins(api):
    alice = user(api)
    users = "/api/collections/users/records"
    assert api.post(users, {"name": "x"}, token=alice["token"]).status == 403  # createRule null
    assert api.delete(f"{users}/{alice['id']}", token=alice["token"]).status == 403  # deleteRule null
    me = api.get(f"{users}/{alice['id']}", token=alice["token"])
    assert me.status == 200 and me.json["id"] == alice["id"]
    assert api.patch(f"{users}/{alice['id']}", {"bio": "hello"}, token=alice["token"]).json["bio"] == "hello"
    other = user(api)
    assert api.get(f"{users}/{other['id']}", token=alice["token"]).status == 404
    seen = api.get(f"{users}/{other['id']}", token=ADMIN)
    assert seen.status == 200 and seen.json["id"] == other["id"]
    draft = post(api, alice, status="draft")
    assert api.patch(f"{POSTS}/{draft['id']}", {"title": "by admin"}, token=ADMIN).json["title"] == "by admin"
    assert api.delete(f"{POSTS}/{draft['id']}", token=ADMIN).status == 204


def test_fifty_concurrent_updates_of_one_record_lose_nothing(live):
    alice = user(live)
    target = post(live, alice, views=0)
    url = f"{POSTS}/{target['id']}"

    def bump(i):
        reply = live.patch(url, {"views+": 1, "title": f"writer {i}"}, token=alice["token"])
        return i, reply.status, reply.json if reply.status == 200 else None

    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(bump, range(50)))
    statuses = [s for _, s, _ in results]
    assert set(statuses) <= {200, 409}, statuses  # every write lands or is reported
    landed = [body for _, s, body in results if s == 200]
    final = live.get(url, token=alice["token"]).json
    assert final["views"] == len(landed)  # no lost update: each landed write added exactly one
    assert sorted(b["views"] for b in landed) == list(range(1, len(landed) + 1))  # each saw a distinct version
    last = max(landed, key=lambda b: b["views"])
    assert final["title"] == last["title"]
    assert len(landed) >= 25


def test_update_is_conditional_on_the_rule_at_write_time(api, ddb):
    """A record re-owned between our read and our write is not changed: the rule travels with the write."""
    from chalicelib.records import access, store
    from chalicelib.store import keys, table

    alice, bob = user(api), user(api)
    fav = _fav(api, alice, post(api, alice))
    caller = access.Caller(user_id=alice["id"])
    collection = access.collection("favourites")
    stored, rule = access.writable(collection, fav["id"], "updateRule", caller, body={"note": "x"})
    table.update(keys.record("favourites", fav["id"]), "SET #d.#u = :b", names={"#d": "data", "#u": "user"},
                 values={":b": bob["id"]})  # changed behind our back, version untouched
    changes = store.Changes()
    changes.update(collection, stored, dict(stored.data, note="x"), condition=rule)
    try:
        changes.commit()
        raise AssertionError("the write should have been refused")
    except store.WriteRejected:
        pass
    assert table.get(keys.record("favourites", fav["id"]))["data"]["note"] == "mine"
