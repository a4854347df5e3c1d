"""The message-push callback against an attacker who captured one signed URL, or who sends plaintext pushes to an
app configured for encrypted ones (or with an EncodingAESKey and no callbackMode): `callbackMode` and the replay
guard."""
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.http.test_callback import post, queued  # noqa: F401  (the queue fixture)
from tests.pushing import Pusher, text_message
from tests.stackenv import APP1, TEST_APPS


def _with_mode(monkeypatch, mode, **extra):
    apps = [dict(a) for a in TEST_APPS]
    apps[0].update(callbackMode=mode, **extra) if mode else apps[0].update(**extra)
    monkeypatch.setenv("WXBASE_APPS", json.dumps(apps))
    return Pusher(apps[0])


@pytest.mark.parametrize("mode,accepted", [
    ("safe", {"safe"}),
    ("compatible", {"compatible", "safe"}),
    ("plaintext", {"plaintext"}),
    (None, {"compatible", "safe"}),  # unset, with an EncodingAESKey: encrypted pushes only
])
def test_callback_mode_accepts_only_its_pushes(api, queued, monkeypatch, mode, accepted):  # noqa: F811
    pusher = _with_mode(monkeypatch, mode)
    for sent in ("plaintext", "compatible", "safe"):
        reply = post(api, pusher.push(text_message(f"{sent} to {mode}"), mode=sent))
        if sent in accepted:
            assert reply.status == 200, (sent, reply)
        else:
            assert reply.status == 403 and reply.json["status"] == 403, (sent, reply)
    assert sorted(j["mode"] for j in queued()) == sorted(accepted)


def test_an_app_without_an_encoding_aes_key_accepts_plaintext_by_default(api, queued, monkeypatch):  # noqa: F811
    apps = [dict(a) for a in TEST_APPS]
    pusher = Pusher(dict(apps[0]))  # signs with the app's token; the deployment knows no EncodingAESKey for it
    apps[0]["encodingAESKey"] = ""
    monkeypatch.setenv("WXBASE_APPS", json.dumps(apps))
    assert post(api, pusher.push(text_message("plain"), mode="plaintext")).status == 200
    assert [j["mode"] for j in queued()] == ["plaintext"]


def test_a_forged_plaintext_push_to_an_app_with_a_key_is_refused_by_default(api, queued, monkeypatch):  # noqa: F811
    """The attack: an app with an EncodingAESKey and no callbackMode, a forged body under a captured (or freshly
    guessed-at) plaintext URL signature, which does not cover the body."""
    pusher = _with_mode(monkeypatch, None)
    path, body, headers = pusher.push(text_message("hello", sender="oforger"), mode="plaintext")
    reply = api.post(path, body, headers=headers)
    assert reply.status == 403 and "encrypted" in reply.json["message"]
    assert queued() == []


def test_a_plaintext_push_to_a_safe_app_is_refused_even_when_correctly_signed(api, queued, monkeypatch):  # noqa: F811
    pusher = _with_mode(monkeypatch, "safe")
    path, body, headers = pusher.push(text_message("hello"), mode="plaintext")
    assert "signature=" in path  # signed with the app's real token: only the mode gives it away
    reply = api.post(path, body, headers=headers)
    assert reply.status == 403
    assert queued() == []


def test_a_bad_callback_mode_fails_the_configuration():
    from chalicelib.core.settings import ConfigError, parse_apps

    with pytest.raises(ConfigError) as refused:
        parse_apps(json.dumps([{"appid": "wxa", "callbackMode": "aes"}]))
    assert "callbackMode" in refused.value.message


def _forged(path, message):
    """The captured URL with another body: what an attacker who saw one push can send."""
    return path, f"<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[{message['FromUserName']}]]>" \
                 f"</FromUserName><CreateTime>{message['CreateTime']}</CreateTime><MsgType><![CDATA[text]]></MsgType>" \
                 f"<Content><![CDATA[{message['Content']}]]></Content><MsgId>{message['MsgId']}</MsgId></xml>"


@pytest.mark.parametrize("window", [300, 0])
def test_a_captured_plaintext_url_signs_nothing_else(api, queued, monkeypatch, window):  # noqa: F811
    pusher = _with_mode(monkeypatch, "plaintext", callbackMaxAgeSeconds=window)
    genuine = text_message("genuine")
    path, body, headers = pusher.push(genuine, mode="plaintext")
    assert api.post(path, body, headers=headers).status == 200
    for i in range(5):  # the attacker's forged senders, each asking for the auto-reply
        forged = text_message("hello", sender=f"oattacker{i}")
        reply = api.post(*_forged(path, forged), headers=headers)
        assert reply.status == 403, reply
        assert "already used" in reply.json["message"]
    assert [j["message"]["Content"] for j in queued()] == ["genuine"]


def test_wechats_own_redelivery_of_the_same_url_is_still_success(api, queued, monkeypatch):  # noqa: F811
    for mode in ("plaintext", "safe"):
        pusher = _with_mode(monkeypatch, mode)
        request = pusher.push(text_message(f"redelivered {mode}"), mode=mode)
        for _ in range(3):  # no answer within 5 s: WeChat sends the same request again
            reply = post(api, request)
            assert reply.status == 200 and reply.text == "success", reply
    assert len(queued()) == 2


def test_a_captured_safe_mode_url_can_not_carry_another_ciphertext(api, queued, monkeypatch):  # noqa: F811
    pusher = _with_mode(monkeypatch, "safe")
    path, body, headers = pusher.push(text_message("first"), mode="safe")
    assert api.post(path, body, headers=headers).status == 200
    other = pusher.push(text_message("second"), mode="safe")[1]  # a valid ciphertext, but not the one signed
    assert api.post(path, other, headers=headers).status == 401
    assert len(queued()) == 1


def test_the_replay_marker_expires_with_the_window(api, ddb, monkeypatch):
    from chalicelib.store import keys, table
    from chalicelib.wechat import replay_guard

    pusher = _with_mode(monkeypatch, "plaintext")
    path, body, headers = pusher.push(text_message("ttl"), mode="plaintext")
    assert api.post(path, body, headers=headers).status == 200
    params = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
    item = table.get(keys.callback_seen(APP1, replay_guard.url_digest(params)))
    assert item["exp"] == int(params["timestamp"]) + 300 + replay_guard.SLACK_SECONDS
