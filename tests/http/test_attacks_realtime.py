"""Attacks on the realtime socket: a socket signed in before its session was ended (sign-out everywhere, an admin's
sign-out, a delete) keeps nothing of that user's — its next event ends the socket's session and it hears only what a
guest hears; a revoked token can't sign a new socket in; a message of thousands of nested arrays is a clean 400."""
import pytest

from tests.realtime_helpers import Client, realtime_server, rt  # noqa: F401  (fixtures)
from tests.records_helpers import ADMIN, user
from tests.stackenv import APP1

POSTS = "/api/collections/posts/records"
SIGN_OUT = "/api/collections/users/sign-out-everywhere"
REVOKED = {"type": "error", "status": 401, "message": "The auth token has been revoked; log in again."}


def _end(rt, how, victim):
    if how == "sign-out-everywhere":
        assert rt.post(SIGN_OUT, token=victim["token"]).status == 204
    elif how == "admin-sign-out":
        assert rt.post(f"/api/admin/users/{victim['id']}/sign-out", token=ADMIN).status == 200
    else:
        assert rt.delete(f"/api/collections/users/records/{victim['id']}", token=ADMIN).status == 204


@pytest.mark.parametrize("how", ["sign-out-everywhere", "admin-sign-out", "admin-delete"])
def test_a_socket_signed_in_before_the_session_ended_hears_nothing_of_the_user(rt, realtime_server, how):
    login = rt.login(f"rt-ended-{how}", APP1)
    victim, writer = {"token": login["token"], "id": login["record"]["id"]}, user(rt, f"rt-writer-{how}")
    socket = Client(realtime_server.ws_url)
    socket.auth(victim["token"])
    socket.subscribe("drafts", "posts/*")
    socket.subscribe("me", f"users/{victim['id']}")
    assert socket.sync() == []
    before = rt.post(POSTS, {"title": "before", "status": "draft", "owner": victim["id"]}, token=victim["token"]).json
    assert [e["record"]["id"] for e in socket.events(1)] == [before["id"]]  # signed in: their drafts reach them

    _end(rt, how, victim)
    if how != "admin-delete":
        # the user signs in again on their phone and writes a draft, and their own record (with its email) changes:
        # the attacker's socket, still subscribed to both, must hear neither
        fresh = rt.login(f"rt-ended-{how}", APP1)["token"]
        assert rt.post(POSTS, {"title": "after", "status": "draft", "owner": victim["id"]}, token=fresh).status == 200
        patched = rt.patch(f"/api/collections/users/records/{victim['id']}", {"name": "renamed"}, token=ADMIN)
        assert patched.status == 200, patched
    public = rt.post(POSTS, {"title": "public", "status": "published", "owner": writer["id"]},
                     token=writer["token"]).json
    heard = []
    while not any(m.get("type") == "event" and m["record"]["id"] == public["id"] for m in heard):
        heard.append(socket.next())
    assert REVOKED in heard  # told once that its session ended
    assert heard.count(REVOKED) == 1
    events = [m for m in heard if m.get("type") == "event"]
    assert [e["record"]["id"] for e in events] == [public["id"]]  # what a guest hears, nothing of the user's
    assert all("email" not in e["record"] for e in events)
    # its subscriptions are a guest's from now on, and signing in again with the ended token is refused
    socket.auth(victim["token"])
    assert socket.sync() == [REVOKED]
    socket.close()


def test_a_revoked_token_cannot_sign_a_new_socket_in(rt, realtime_server):
    victim = user(rt, "rt-revoked-new")
    assert rt.post(SIGN_OUT, token=victim["token"]).status == 204
    socket = Client(realtime_server.ws_url)
    socket.auth(victim["token"])
    assert socket.sync() == [REVOKED]
    socket.subscribe("me", f"users/{victim['id']}")  # accepted, as a guest's: the view rule decides per event
    assert socket.sync() == []
    patched = rt.patch(f"/api/collections/users/records/{victim['id']}", {"name": "seen?"}, token=ADMIN)
    assert patched.status == 200, patched
    assert socket.quiet(1.0) == []
    socket.close()


def test_seven_thousand_nested_arrays_are_a_clean_400_and_the_socket_stays_open(realtime_server, caplog):
    socket = Client(realtime_server.ws_url)
    socket.send("[" * 7000 + "]" * 7000)
    assert socket.sync() == [{"type": "error", "status": 400, "message": "The message is nested too deeply."}]
    socket.send('{"type":"subscribe","id":"x","topic":"posts/*","filter":' + "[" * 7000 + "]" * 7000 + "}")
    (error,) = socket.sync()
    assert error["status"] in (400, 413)
    assert not any("RecursionError" in r.getMessage() or r.exc_info for r in caplog.records)
    socket.close()
