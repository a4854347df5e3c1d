"""The same starting state on both servers: the collections file, three users with the same ids, and the same
records (explicit ids, same order, same files), written with superuser/admin rights.

Users: wxbase's are WeChat users (sandbox login `sandbox-<name>`), so they are signed in first and PocketBase's
users are then created by the superuser with those very ids and a password, and signed in with auth-with-password.
Both sides then hold identical user ids, emails and profile fields, and no id mapping is needed. Dates relative to
now (events) are computed once for both sides.
"""
import copy
import functools
import json
import time
from datetime import datetime, timedelta, timezone

import requests

APPID = "wxsandbox00000001"  # devserver's default sandbox mini-program
USER_PASSWORD = "parity-user-password"
ACTORS = ("owner", "other", "third")
USER_PROFILES = {
    "owner": {"email": "owner@parity.test", "name": "Olivia Owner", "bio": "writes things", "level": 3,
              "emailVisibility": False, "verified": True},
    "other": {"email": "other@parity.test", "name": "Oscar Other", "bio": "", "level": 7,
              "emailVisibility": True, "verified": False},
    "third": {"email": "third@parity.test", "name": "Theo Third", "bio": "reads", "level": 0,
              "emailVisibility": False, "verified": False},
}
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def rid(prefix, n):
    """A 15-char record id; ids of one collection sort in creation order, so default orders agree."""
    return f"{prefix}{n:0{15 - len(prefix)}d}"


def when(delta):
    dt = datetime.now(timezone.utc) + delta
    return dt.strftime("%Y-%m-%d %H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


@functools.cache
def records():
    """[(collection, fields, files)] in creation order; `{{owner}}`-style placeholders name users. Built once, so
    both servers get the same dates."""
    cats = [("categories", {"id": rid("cat", i), "name": f"Level {i}",
                            "parent": rid("cat", i - 1) if i > 1 else ""}, {}) for i in range(1, 10)]
    items = [
        ("items", {"id": rid("itm", 1), "title": "Alpha one", "code": "a-1", "n": 5, "qty": 3, "flag": True,
                   "email": "alice@example.com", "site": "https://example.com/a", "home": "https://example.com/x",
                   "body": "<p>Hello <b>World</b></p>", "due": "2024-01-15 10:00:00.000Z", "kind": "alpha",
                   "tags": ["red", "blue"], "meta": {"a": 1, "b": {"c": "x"}, "list": [1, 2]},
                   "owner": "{{owner}}", "category": rid("cat", 3), "secret": "s-one"},
         {"cover": [("cover.png", "image/png", PNG)]}),
        ("items", {"id": rid("itm", 2), "title": "beta Two", "code": "b-2", "n": 10, "qty": 0, "flag": False,
                   "email": "bob@test.org", "site": "http://test.org/b", "body": "<p>second</p>",
                   "due": "2025-06-01 00:00:00.000Z", "kind": "beta", "tags": ["green"], "meta": {"a": 2},
                   "owner": "{{owner}}", "refs": [rid("itm", 1)], "category": rid("cat", 1), "secret": "s-two"}, {}),
        ("items", {"id": rid("itm", 3), "title": "Gamma three", "n": -3.5, "qty": 7, "flag": True,
                   "kind": "gamma", "tags": ["red", "green", "yellow"], "meta": "plain string",
                   "owner": "{{other}}", "refs": [rid("itm", 1), rid("itm", 2)], "category": rid("cat", 2),
                   "due": "2023-12-31 23:59:59.000Z"}, {}),
        ("items", {"id": rid("itm", 4), "title": "under_score 100%", "code": "d-4", "n": 100, "flag": False,
                   "body": "50% off_sale", "meta": None, "owner": "{{other}}", "site": "https://sub.example.com/p?q=1",
                   "email": "carol@blocked.org"}, {}),
        ("items", {"id": rid("itm", 5), "title": "Ünïcode Ärger", "n": 0, "tags": ["blue"], "meta": [1, 2, 3],
                   "body": "<p>Grüße</p>"}, {}),
        ("items", {"id": rid("itm", 6), "title": "ALPHA upper", "n": 5, "kind": "alpha", "tags": ["red"],
                   "owner": "{{third}}", "meta": {"a": "1"}, "qty": 2}, {}),
        ("items", {"id": rid("itm", 7), "title": "with gallery", "n": 42, "kind": "beta", "owner": "{{owner}}"},
         {"gallery": [("first.txt", "text/plain", b"first file"), ("second.txt", "text/plain", b"second file")]}),
        ("items", {"id": rid("itm", 8), "title": "refs many", "n": 7, "kind": "beta", "owner": "{{owner}}",
                   "refs": [rid("itm", 1), rid("itm", 3), rid("itm", 5), rid("itm", 7)],
                   "tags": ["yellow", "blue"], "category": rid("cat", 9)}, {}),
        ("items", {"id": rid("itm", 9), "title": "nulls"}, {}),
        ("items", {"id": rid("itm", 10), "title": "Zeta last", "n": 1000, "qty": 99, "kind": "gamma",
                   "due": "2099-12-31 00:00:00.000Z", "tags": ["yellow"], "owner": "{{third}}", "flag": True,
                   "meta": {"a": 10, "nested": {"deep": True}}, "email": "zed@example.com"}, {}),
    ]
    posts = [
        ("posts", {"id": rid("pst", 1), "title": "Hello world", "status": "published", "views": 10,
                   "owner": "{{owner}}"}, {}),
        ("posts", {"id": rid("pst", 2), "title": "Secret draft", "status": "draft", "views": 0,
                   "owner": "{{owner}}"}, {}),
        ("posts", {"id": rid("pst", 3), "title": "Other post", "status": "published", "views": 5,
                   "owner": "{{other}}"}, {}),
        ("posts", {"id": rid("pst", 4), "title": "Other draft", "status": "draft", "views": 1,
                   "owner": "{{other}}"}, {}),
        ("posts", {"id": rid("pst", 5), "title": "Third post", "status": "published", "views": 99,
                   "owner": "{{third}}"}, {}),
    ]
    comments = [
        ("comments", {"id": rid("cmt", 1), "post": rid("pst", 1), "author": "{{other}}", "text": "Nice"}, {}),
        ("comments", {"id": rid("cmt", 2), "post": rid("pst", 1), "author": "{{owner}}", "text": "Thanks"}, {}),
        ("comments", {"id": rid("cmt", 3), "post": rid("pst", 3), "author": "{{owner}}", "text": "Great"}, {}),
        ("comments", {"id": rid("cmt", 4), "post": rid("pst", 2), "author": "{{owner}}", "text": "note to self"},
         {}),
        ("comments", {"id": rid("cmt", 5), "post": rid("pst", 5), "author": "{{other}}", "text": "Hi third"}, {}),
    ]
    notes = [
        ("notes", {"id": rid("nte", 1), "title": "Owner note", "priority": 1, "locked": False, "tags": ["work"],
                   "owner": "{{owner}}"}, {}),
        ("notes", {"id": rid("nte", 2), "title": "Locked note", "priority": 3, "locked": True,
                   "owner": "{{owner}}"}, {}),
        ("notes", {"id": rid("nte", 3), "title": "Other note", "priority": 2, "tags": ["home", "fun"],
                   "owner": "{{other}}"}, {}),
    ]
    day = timedelta(days=1)
    events = [
        ("events", {"id": rid("evt", 1), "title": "long ago", "starts": when(-400 * day)}, {}),
        ("events", {"id": rid("evt", 2), "title": "yesterday-ish", "starts": when(-30 * timedelta(hours=1))}, {}),
        ("events", {"id": rid("evt", 3), "title": "in two days", "starts": when(2 * day)}, {}),
        ("events", {"id": rid("evt", 4), "title": "next month-ish", "starts": when(40 * day)}, {}),
        ("events", {"id": rid("evt", 5), "title": "next year-ish", "starts": when(400 * day)}, {}),
        ("events", {"id": rid("evt", 6), "title": "no date", "starts": ""}, {}),
    ]
    from tests.parity import corpus_indexes  # it builds its ids with rid() of this module

    return cats + items + posts + comments + notes + events + corpus_indexes.records()


def substitute(value, users):
    """Replace `{{owner}}`-style placeholders (whole strings or inside strings) with user ids, recursively."""
    if isinstance(value, str):
        for name, user in users.items():
            value = value.replace("{{%s}}" % name, user["id"])
        return value
    if isinstance(value, list):
        return [substitute(v, users) for v in value]
    if isinstance(value, dict):
        return {substitute(k, users): substitute(v, users) for k, v in value.items()}
    return value


def _check(answer, what):
    if answer.status_code >= 300:
        raise SystemExit(f"fixture step failed: {what}: {answer.status_code} {answer.text[:500]}")
    return answer.json() if answer.content else None


# --- wxbase ------------------------------------------------------------------------------------------------

def wxbase_users(server):
    """Sign the sandbox users in and give them the fixture profile: {name: {"id", "token", "record"}}."""
    users = {}
    admin = {"Authorization": server.admin_key}
    for name in ACTORS:
        login = _check(requests.post(f"{server.url}/api/wechat/login", json={"code": f"sandbox-{name}",
                                                                             "appid": APPID}, timeout=30), "login")
        user_id = login["record"]["id"]
        record = _check(requests.patch(f"{server.url}/api/collections/users/records/{user_id}",
                                       json=USER_PROFILES[name], headers=admin, timeout=30), "profile")
        users[name] = {"id": user_id, "token": login["token"], "record": record}
        time.sleep(0.005)
    return users


def _wxbase_upload(server, collection, record_id, field, filename, content_type, data):
    admin = {"Authorization": server.admin_key}
    ticket = _check(requests.post(f"{server.url}/api/files/upload", headers=admin, timeout=30, json={
        "collection": collection, "recordId": record_id, "field": field, "filename": filename,
        "size": len(data), "contentType": content_type}), f"upload ticket {filename}")
    answer = requests.post(ticket["url"], data=ticket["fields"], files={"file": (filename, data, content_type)},
                           timeout=30)
    if answer.status_code >= 300:
        raise SystemExit(f"upload of {filename} to the S3 emulator failed: {answer.status_code} {answer.text[:300]}")
    return ticket["name"]


def wxbase_records(server, users):
    admin = {"Authorization": server.admin_key}
    for collection, fields, files in records():
        body = substitute(copy.deepcopy(fields), users)
        for field, uploads in files.items():
            names = [_wxbase_upload(server, collection, body["id"], field, *upload) for upload in uploads]
            body[field] = names if len(uploads) > 1 else names[0]
        _check(requests.post(f"{server.url}/api/collections/{collection}/records", json=body, headers=admin,
                             timeout=30), f"create {collection} {body['id']}")
        time.sleep(0.005)  # distinct `created` stamps, so -created orders agree


# --- PocketBase --------------------------------------------------------------------------------------------

def pocketbase_collections(server, collections_path):
    """Import the collections file; `users` becomes PocketBase's own auth collection extended by the file's entry
    (its extra fields and rules), with password sign-in by email for the fixture users."""
    headers = {"Authorization": server.superuser["token"]}
    with open(collections_path) as f:
        collections = json.load(f)
    builtin = _check(requests.get(f"{server.url}/api/collections/users", headers=headers, timeout=30), "users")
    for i, entry in enumerate(collections):
        if entry["name"] == "users":
            merged = copy.deepcopy(builtin)
            for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule"):
                merged[rule] = entry.get(rule)
            known = {f["name"] for f in merged["fields"]}
            merged["fields"] += [f for f in entry.get("fields", []) if f["name"] not in known]
            merged["passwordAuth"] = {"enabled": True, "identityFields": ["email"]}
            collections[i] = merged
    _check(requests.put(f"{server.url}/api/collections/import", headers=headers, timeout=60,
                        json={"collections": collections, "deleteMissing": False}), "collections import")


def pocketbase_settings(server):
    """The batch API is off in a new PocketBase: on, with its default limits (wxbase's, which has no switch)."""
    headers = {"Authorization": server.superuser["token"]}
    _check(requests.patch(f"{server.url}/api/settings", headers=headers, timeout=30,
                          json={"batch": {"enabled": True, "maxRequests": 50, "timeout": 3}}), "batch settings")


def pocketbase_users(server, wx_users):
    headers = {"Authorization": server.superuser["token"]}
    users = {}
    for name in ACTORS:
        body = {"id": wx_users[name]["id"], **USER_PROFILES[name], "password": USER_PASSWORD,
                "passwordConfirm": USER_PASSWORD}
        _check(requests.post(f"{server.url}/api/collections/users/records", json=body, headers=headers,
                             timeout=30), f"create user {name}")
        auth = _check(requests.post(f"{server.url}/api/collections/users/auth-with-password", timeout=30,
                                    json={"identity": body["email"], "password": USER_PASSWORD}), f"sign in {name}")
        users[name] = {"id": body["id"], "token": auth["token"], "record": auth["record"]}
    return users


def pocketbase_records(server, users):
    headers = {"Authorization": server.superuser["token"]}
    for collection, fields, files in records():
        body = substitute(copy.deepcopy(fields), users)
        url = f"{server.url}/api/collections/{collection}/records"
        if files:
            parts = [(field, (name, data, ctype)) for field, uploads in files.items()
                     for name, ctype, data in uploads]
            answer = requests.post(url, headers=headers, files=parts, timeout=30,
                                   data={"@jsonPayload": json.dumps(body)})
        else:
            answer = requests.post(url, headers=headers, json=body, timeout=30)
        _check(answer, f"create {collection} {body['id']}")
        time.sleep(0.005)
