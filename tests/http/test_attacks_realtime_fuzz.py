"""Fuzzing the realtime protocol with hypothesis: each message goes through the WebSocket handler's answer (as
$default calls it) on a real connection item, built from the protocol's own pieces and hostile values — any JSON,
raw bytes, deep nesting, wrong types, tokens good, forged and revoked, filters from the grammar. Every message gets
no answer, a pong or an error frame of status < 500; nothing raises."""
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.records_helpers import user

TYPES = ["auth", "subscribe", "unsubscribe", "ping", "Auth", "", None, 1, ["ping"], {"t": 1}]
TOPICS = ["posts/*", "posts/abc", "users/*", "nope/*", "posts/", "/*", "posts/" + "a" * 15, "x" * 200, "", None, 5,
          "posts/*/*", "_superusers/*", "posts/../users"]
FILTERS = ['title = "a"', "views > 1", "owner = @request.auth.id", "(", ")" * 40, "title ~ '%'", "@collection.x.y=1",
          "&&".join(f'title!="n{i}"' for i in range(200)), "x" * 5000, "", None, 7, {"a": 1}]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


def messages(tokens):
    shaped = st.fixed_dictionaries({"type": st.sampled_from(TYPES)}, optional={
        "id": st.one_of(st.text(max_size=70), st.integers(), st.none()),
        "topic": st.sampled_from(TOPICS), "filter": st.sampled_from(FILTERS),
        "token": st.sampled_from(tokens) | st.text(max_size=40)}).map(json.dumps)
    raw = st.one_of(json_values.map(json.dumps), st.binary(max_size=200),
                    st.integers(1, 20000).map(lambda n: "[" * n + "]" * n),
                    st.integers(1, 20000).map(lambda n: '{"type":"subscribe","filter":' + "[" * n + "]" * n + "}"))
    return shaped | raw


@pytest.fixture
def tokens(api):
    good, revoked = user(api, "rt-fuzz"), user(api, "rt-fuzz-revoked")
    assert api.post("/api/collections/users/sign-out-everywhere", token=revoked["token"]).status == 204
    return [good["token"], revoked["token"], "Bearer " + good["token"], good["token"][:-3] + "abc", ""]


def test_every_socket_message_is_answered_cleanly(tokens):
    from chalicelib.realtime import sockets

    connection = "fuzz-connection"
    sockets.connect(connection)

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(messages(tokens))
    def one(body):
        reply = sockets.answer(connection, body)
        if reply is None:
            return
        answer = json.loads(reply)
        assert answer["type"] in ("pong", "error"), answer
        if answer["type"] == "error":
            assert 400 <= answer["status"] < 500, (body[:200], answer)

    try:
        one()
    finally:
        sockets.disconnect(connection)
