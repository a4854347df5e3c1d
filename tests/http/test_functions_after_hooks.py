"""@after hooks from the table's stream (record_stream's steps, read as Lambda would by devserver/streams.py): once per
stored change under 20 concurrent creates and under a redelivered batch, in order per record, and a failing hook
stopping its batch at that change until a retry succeeds. The shipped hooks keep the posts' comment count and
send the post's author a subscribe message."""
import concurrent.futures
import secrets

import pytest

from tests import functions_fixture
from tests.functions_fixture import CALLS, FAIL
from tests.records_helpers import post
from tests.stackenv import APP1

FAVOURITES = "/api/collections/favourites/records"
COMMENTS = "/api/collections/comments/records"
POSTS = "/api/collections/posts/records"


@pytest.fixture
def stream(stack):
    """The table's stream from now on, handed to the real record_stream handler (every step, as deployed)."""
    from chalicelib.jobs import record_stream
    from devserver.streams import StreamReader

    events = []

    def handler(event, context):
        events.append(event)
        return record_stream.handle(event)

    reader = StreamReader(handler)
    reader.events = events
    with functions_fixture.LOCK:
        CALLS["after"].clear()
        FAIL["after"].clear()
    return reader


def drain(reader):
    while reader.poll():
        pass


def someone(api, prefix="fn-after"):
    login = api.login(f"{prefix}-{secrets.token_hex(4)}", APP1)
    return {"token": login["token"], "id": login["record"]["id"], "openid": login["meta"]["openid"]}


def calls(kind, ids):
    return [c for c in CALLS["after"] if c[0] in kind and c[1] in ids]


def test_each_change_runs_its_hooks_once_in_order_per_record(api, stream):
    me = someone(api)
    target = post(api, me)
    first = api.post(FAVOURITES, {"post": target["id"], "note": "one"}, token=me["token"]).json
    api.patch(f"{FAVOURITES}/{first['id']}", {"note": "two"}, token=me["token"])
    api.patch(f"{FAVOURITES}/{first['id']}", {"note": "three"}, token=me["token"])
    api.delete(f"{FAVOURITES}/{first['id']}", token=me["token"])
    drain(stream)
    seen = calls(("create", "update", "delete"), {first["id"]})
    assert [(c[0], c[2]) for c in seen] == [("create", "one"), ("update", "two"), ("update", "three"),
                                            ("delete", "three")]
    assert len({c[3] for c in seen}) == 4 and all(c[4] for c in seen)  # four distinct changes, run as admin


def test_twenty_concurrent_comments_count_twenty_and_each_hook_runs_once(live, stream):
    author, writer = someone(live), someone(live)
    target = post(live, author)

    def comment(i):
        reply = live.post(COMMENTS, {"post": target["id"], "author": writer["id"], "text": f"c{i}"},
                          token=writer["token"])
        assert reply.status == 200, reply
        return reply.json["id"]

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        ids = set(pool.map(comment, range(20)))
    drain(stream)
    assert live.get(f"{POSTS}/{target['id']}", token=author["token"]).json["comments"] == 20
    seen = calls(("comment",), ids)
    assert sorted(c[1] for c in seen) == sorted(ids)  # every comment once

    # Lambda delivers the same batches again (a timeout after the work was done): nothing repeats
    from chalicelib.jobs import record_stream

    for event in list(stream.events):
        assert record_stream.handle(event) == {"batchItemFailures": []}
    assert live.get(f"{POSTS}/{target['id']}", token=author["token"]).json["comments"] == 20
    assert len(calls(("comment",), ids)) == 20

    deleted = sorted(ids)[:3]
    for comment_id in deleted:
        assert live.delete(f"{COMMENTS}/{comment_id}", token=writer["token"]).status == 204
    drain(stream)
    assert live.get(f"{POSTS}/{target['id']}", token=author["token"]).json["comments"] == 17


def test_a_failing_hook_stops_its_batch_at_that_change_and_is_retried(api, stream):
    from chalicelib.jobs import record_stream

    me = someone(api)
    target = post(api, me)
    before = api.post(FAVOURITES, {"post": target["id"], "note": "before"}, token=me["token"]).json
    failing = api.post(FAVOURITES, {"post": target["id"], "note": "fails twice"}, token=me["token"]).json
    after = api.post(FAVOURITES, {"post": target["id"], "note": "after"}, token=me["token"]).json
    FAIL["after"][failing["id"]] = 2
    drain(stream)  # the reader retries from the failed change, as Lambda's event source does
    order = [(c[0], c[2]) for c in calls(("create",), {before["id"], failing["id"], after["id"]})]
    assert order == [("create", "before"), ("create", "fails twice"), ("create", "after")]  # each once, in order

    answers = [r for r in stream.events if any(failing["id"] in str(x.get("dynamodb", {}).get("Keys")) for x in
                                               r["Records"])]
    first = answers[0]
    FAIL["after"][failing["id"]] = 1
    reply = record_stream.handle(first)  # the same batch again: done changes are skipped, nothing fails
    assert reply == {"batchItemFailures": []}
    assert len(calls(("create",), {failing["id"]})) == 1


def test_a_hook_failure_reports_the_failed_change_and_everything_after_it(api, stack):
    from chalicelib.jobs import record_stream
    from devserver.streams import StreamReader

    captured = []
    reader = StreamReader(lambda event, context: captured.append(event) or {"batchItemFailures": []})
    me = someone(api)
    target = post(api, me)
    made = [api.post(FAVOURITES, {"post": target["id"], "note": f"n{i}"}, token=me["token"]).json for i in range(3)]
    drain(reader)
    records = [r for e in captured for r in e["Records"]
               if any(m["id"] in str(r["dynamodb"].get("Keys")) for m in made)]
    assert len(records) == 3
    FAIL["after"][made[1]["id"]] = 1
    CALLS["after"].clear()
    reply = record_stream.handle({"Records": records})
    failed = [f["itemIdentifier"] for f in reply["batchItemFailures"]]
    assert failed == [r["dynamodb"]["SequenceNumber"] for r in records[1:]]
    assert [c[2] for c in calls(("create",), {m["id"] for m in made})] == ["n0"]
    assert record_stream.handle({"Records": records[1:]}) == {"batchItemFailures": []}
    assert [c[2] for c in calls(("create",), {m["id"] for m in made})] == ["n0", "n1", "n2"]


def test_the_shipped_hook_sends_the_post_author_a_subscribe_message(api, sandbox, stream, monkeypatch):
    monkeypatch.setenv("COMMENT_NOTICE_TEMPLATE_ID", "tmpl-new-comment")
    author, writer = someone(api, "fn-author"), someone(api, "fn-writer")
    api.patch(f"/api/collections/users/records/{writer['id']}", {"name": "Writer"}, token=writer["token"])
    target = post(api, author, title="My trip")
    api.post(COMMENTS, {"post": target["id"], "author": writer["id"], "text": "Where is this place?"},
             token=writer["token"])
    api.post(COMMENTS, {"post": target["id"], "author": author["id"], "text": "my own"}, token=author["token"])
    drain(stream)
    notices = [m for m in sandbox.sent(APP1) if m["api"] == "subscribe"]
    assert len(notices) == 1  # the author's own comment notifies nobody
    assert notices[0]["body"] == {"touser": author["openid"], "template_id": "tmpl-new-comment",
                                  "page": f"pages/post/post?id={target['id']}",
                                  "data": {"thing1": {"value": "Where is this place?"}, "thing2": {"value": "Writer"}}}
    assert api.get(f"{POSTS}/{target['id']}", token=author["token"]).json["comments"] == 2


def test_a_refused_notice_is_logged_and_the_change_is_not_retried(api, sandbox, stream, monkeypatch):
    monkeypatch.setenv("COMMENT_NOTICE_TEMPLATE_ID", "tmpl-new-comment")
    author, writer = someone(api, "fn-author"), someone(api, "fn-writer")
    target = post(api, author)
    sandbox.fail("/cgi-bin/message/subscribe/send", errcode=43101)  # the author didn't subscribe
    api.post(COMMENTS, {"post": target["id"], "author": writer["id"], "text": "hi"}, token=writer["token"])
    drain(stream)
    assert [m for m in sandbox.sent(APP1) if m["api"] == "subscribe"] == []
    assert api.get(f"{POSTS}/{target['id']}", token=author["token"]).json["comments"] == 1
    assert stream.retries == {}
