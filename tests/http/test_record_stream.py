"""The table's stream consumer against the local engine's real stream: every stored record change reaches the
steps once, in order per record, and a failing step is retried alone."""
import pytest

from tests.records_helpers import post, user

POSTS = "/api/collections/posts/records"


@pytest.fixture
def reader(stack):
    from chalicelib.jobs import record_stream
    from devserver.streams import StreamReader

    seen, failing = [], {}

    def record(change):
        if failing.get(change.id, 0) > 0:
            failing[change.id] -= 1
            raise RuntimeError("a step failed")
        seen.append((change.action, change.collection, change.id, change.record.data.get("title")))

    steps = [("record", record)]
    stream = StreamReader(lambda event, context: record_stream.handle(event, steps=steps))
    stream.seen, stream.failing = seen, failing
    return stream


def drain(stream):
    while stream.poll():
        pass


def test_each_stored_change_reaches_the_steps_once_in_order(api, reader):
    alice = user(api)
    first = post(api, alice, title="one")
    api.patch(f"{POSTS}/{first['id']}", {"title": "two"}, token=alice["token"])
    api.delete(f"{POSTS}/{first['id']}", token=alice["token"])
    drain(reader)
    mine = [s for s in reader.seen if s[2] == first["id"]]
    assert mine == [("create", "posts", first["id"], "one"), ("update", "posts", first["id"], "two"),
                    ("delete", "posts", first["id"], "two")]
    assert all(s[1] != "users" or s[0] for s in reader.seen)  # only record items, never markers or counters


def test_a_failing_change_is_retried_and_later_ones_wait_for_it(api, reader):
    alice = user(api)
    target = post(api, alice, title="a")
    reader.failing[target["id"]] = 2  # its update fails twice, then succeeds
    drain(reader)
    reader.seen.clear()
    reader.failing[target["id"]] = 2
    api.patch(f"{POSTS}/{target['id']}", {"title": "b"}, token=alice["token"])
    later = post(api, alice, title="later")
    drain(reader)
    order = [(s[0], s[3]) for s in reader.seen if s[2] in (target["id"], later["id"])]
    assert order == [("update", "b"), ("create", "later")]  # retried, then the rest, each once


def test_a_change_that_always_fails_is_skipped_alone(api, reader):
    """The attack on make dev's reader: an after hook that always fails took the changes written right behind it
    down with it (no realtime events, no hooks). Only the failing change is given up on, as deployed."""
    alice = user(api)
    drain(reader)
    reader.seen.clear()
    doomed = post(api, alice, title="doomed")
    reader.failing[doomed["id"]] = 10 ** 6
    behind = [post(api, alice, title=f"behind {i}") for i in range(3)]
    for _ in range(reader.max_retries + 3):
        reader.poll()
    titles = [s[3] for s in reader.seen if s[0] == "create"]
    assert titles == ["behind 0", "behind 1", "behind 2"]
    assert [b["id"] for b in behind] == [s[2] for s in reader.seen if s[0] == "create"]


def test_a_redelivered_change_repeats_no_step(api, reader):
    from chalicelib.jobs import record_stream
    from chalicelib.records.changes import from_stream

    alice = user(api)
    target = post(api, alice, title="once")
    captured = []
    reader.handler = lambda event, context: captured.append(event) or {"batchItemFailures": []}
    drain(reader)
    raw = next(r for e in captured for r in e["Records"] if (c := from_stream(r)) and c.id == target["id"])
    calls = []
    steps = [("count", lambda change: calls.append(change.change_id))]
    for _ in range(3):  # Lambda delivers the same batch again after a timeout
        assert record_stream.handle({"Records": [raw]}, steps=steps) == {"batchItemFailures": []}
    assert len(calls) == 1
