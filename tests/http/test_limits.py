"""Request rate limits over HTTP: PocketBase's rules and 429 body, counted in the table per user or per guest IP.

Every test names its own labels: counters outlive a test (until their window's TTL), and guests of the test
client all share 127.0.0.1.
"""
import json
import time

from tests.records_helpers import ADMIN, post, user

POSTS = "/api/collections/posts/records"
TOO_MANY = {"status": 429, "message": "Too Many Requests.", "data": {}}


def limits(monkeypatch, *rules):
    monkeypatch.setenv("WXBASE_RATE_LIMITS", json.dumps(list(rules)))


def test_guests_share_their_ip_window_and_signed_in_users_are_not_in_it(api, monkeypatch):
    limits(monkeypatch, {"label": "GET /api/health", "maxRequests": 3, "duration": 3600, "audience": "@guest"})
    assert [api.get("/api/health").status for _ in range(3)] == [200, 200, 200]
    refused = api.get("/api/health")
    assert refused.status == 429 and refused.json == TOO_MANY
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    alice = user(api, "limits")
    assert api.get("/api/health", token=alice["token"]).status == 200  # @guest rules leave users alone
    assert api.get("/api/health", token="not-a-token").status == 429  # an invalid token is a guest
    assert all(api.get("/api/health", token=ADMIN).status == 200 for _ in range(3))  # admin keys are exempt


def test_signed_in_callers_each_have_their_own_window(api, monkeypatch):
    limits(monkeypatch, {"label": "posts:list", "maxRequests": 2, "duration": 3600, "audience": "@auth"})
    alice, bob = user(api, "limits"), user(api, "limits")
    assert [api.get(POSTS, token=alice["token"]).status for _ in range(3)] == [200, 200, 429]
    assert api.get(POSTS, token=bob["token"]).status == 200
    assert api.get(f"{POSTS}?perPage=1", token=alice["token"]).status == 429  # the query string is the same route
    assert [api.get(POSTS).status for _ in range(3)] == [200, 200, 200]  # @auth rules leave guests alone


def test_a_wildcard_action_counts_each_collection_apart_and_a_refused_create_writes_nothing(api, monkeypatch):
    alice = user(api, "limits")
    limits(monkeypatch, {"label": "*:create", "maxRequests": 1, "duration": 3600})
    first = post(api, alice, title="one")
    refused = api.post(POSTS, {"title": "two", "status": "published", "owner": alice["id"]}, token=alice["token"])
    assert refused.status == 429 and refused.json == TOO_MANY
    monkeypatch.setenv("WXBASE_RATE_LIMITS", "[]")
    mine = api.get(f"{POSTS}?filter=owner%3D%22{alice['id']}%22", token=alice["token"]).json
    assert [r["id"] for r in mine["items"]] == [first["id"]]
    assert api.get(f"{POSTS}/{first['id']}", token=alice["token"]).status == 200  # views were never limited


def test_the_most_specific_label_wins_and_a_prefix_covers_its_paths(api, monkeypatch):
    alice = user(api, "limits")
    limits(monkeypatch, {"label": "/api/", "maxRequests": 1000, "duration": 3600},
           {"label": "GET /api/", "maxRequests": 1, "duration": 3600, "audience": "@auth"})
    assert api.get("/api/health", token=alice["token"]).status == 200
    assert api.get("/api/realtime", token=alice["token"]).status == 429  # one prefix rule, one window
    assert api.post("/api/collections/users/auth-refresh", token=alice["token"]).status == 200  # a POST: /api/
    # as in PocketBase, a collection action has its own window under whichever rule matched it
    assert [api.get(POSTS, token=alice["token"]).status for _ in range(2)] == [200, 429]


def test_a_window_opens_again_after_its_duration(api, monkeypatch):
    alice = user(api, "limits")
    limits(monkeypatch, {"label": "/api/collections/users/auth-refresh", "maxRequests": 1, "duration": 1})
    statuses = []
    deadline = time.time() + 10
    while 429 not in statuses and time.time() < deadline:
        statuses.append(api.post("/api/collections/users/auth-refresh", token=alice["token"]).status)
    assert statuses[-1] == 429
    time.sleep(1.05)
    assert api.post("/api/collections/users/auth-refresh", token=alice["token"]).status == 200


def test_on_by_default_a_loop_is_stopped_and_the_console_api_shows_the_rules(api, monkeypatch):
    monkeypatch.delenv("WXBASE_RATE_LIMITS")
    shown = api.get("/api/admin/rate-limits", token=ADMIN)
    assert shown.status == 200 and shown.json["enabled"] and shown.json["source"] == "default"
    auth_rule = next(r for r in shown.json["rules"] if r["label"] == "*:auth")
    alice = user(api, "limits")
    statuses = [api.post("/api/collections/users/auth-refresh", token=alice["token"]).status
                for _ in range(2 * auth_rule["maxRequests"] + 1)]  # more than two windows' worth
    assert 429 in statuses and statuses[0] == 200
    assert api.get("/api/admin/rate-limits").status == 401
    monkeypatch.setenv("WXBASE_RATE_LIMITS", "[]")
    off = api.get("/api/admin/rate-limits", token=ADMIN).json
    assert (off["enabled"], off["source"], off["rules"]) == (False, "WXBASE_RATE_LIMITS", [])


def test_concurrent_requests_never_pass_the_limit(live, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    alice = user(live, "limits")
    limits(monkeypatch, {"label": "GET /api/health", "maxRequests": 5, "duration": 3600, "audience": "@auth"})
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: live.get("/api/health", token=alice["token"]).status, range(24)))
    assert sorted(statuses) == [200] * 5 + [429] * 19


def test_a_service_key_on_its_function_is_not_limited(api, monkeypatch):
    key = "svc-" + "k" * 30
    monkeypatch.setenv("WXBASE_SERVICE_KEYS", json.dumps([{"name": "orders", "key": key, "functions": ["nope"]}]))
    limits(monkeypatch, {"label": "/api/functions/", "maxRequests": 1, "duration": 3600})
    answers = [api.post("/api/functions/nope", {}, token=key).status for _ in range(3)]
    assert 429 not in answers  # the route answers (an unknown function), never the limiter
    assert [api.post("/api/functions/nope", {}, token="svc-wrong").status for _ in range(2)][-1] == 429
