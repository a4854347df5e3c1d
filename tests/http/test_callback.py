"""The message-push callback over HTTP: verification, every mode in XML and JSON, hostile input, dedupe."""
import json
import time

import pytest

from tests.pushing import XML, Pusher, drain_queue, event_message, text_message, to_xml
from tests.stackenv import APP1, APP2, TEST_APPS

APP1_CONF = TEST_APPS[0]


@pytest.fixture
def queued(stack):
    """Empties the callback queue; calling the fixture returns the message bodies queued since."""
    def read():
        return [json.loads(body) for body in drain_queue()]

    read()  # what earlier tests left behind
    return read


@pytest.fixture
def pusher():
    return Pusher(APP1_CONF)


def post(api, request):
    path, body, headers = request
    return api.post(path, body, headers=headers)


def test_url_verification_echoes_echostr(api, pusher):
    reply = api.get(pusher.verification("8390172390817"))
    assert reply.status == 200, reply
    assert reply.text == "8390172390817"
    assert reply.headers["content-type"].startswith("text/plain")


def test_url_verification_rejects_wrong_signature_and_stale_time(api, pusher):
    assert api.get(pusher.verification("1", signature="0" * 40)).status == 401
    stale = Pusher(APP1_CONF).signed(timestamp=1409735669)
    reply = api.get(pusher.path(**stale, echostr="1"))
    assert reply.status == 403 and reply.json["status"] == 403
    other_app = Pusher(TEST_APPS[1])  # signed with APP2's token, sent to APP1
    assert api.get(pusher.path(**other_app.signed(), echostr="1")).status == 401
    assert api.get("/api/wechat/callback/wxunknown000000?" + "timestamp=1&nonce=1&signature=x").status == 404



def plaintext_app(monkeypatch):
    """APP1 configured for plaintext pushes (it has an EncodingAESKey, so by default it takes encrypted ones only)."""
    apps = [dict(a) for a in TEST_APPS]
    apps[0]["callbackMode"] = "plaintext"
    monkeypatch.setenv("WXBASE_APPS", json.dumps(apps))

@pytest.mark.parametrize("mode", ["plaintext", "compatible", "safe"])
@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_each_mode_and_format_is_queued(api, pusher, queued, monkeypatch, mode, fmt):
    if mode == "plaintext":  # an app with an EncodingAESKey accepts plaintext only when configured so
        plaintext_app(monkeypatch)
    message = text_message(f"mode {mode} in {fmt} 中文 <&>")
    reply = post(api, pusher.push(message, mode=mode, fmt=fmt))
    assert reply.status == 200, reply
    assert reply.text == "success"
    [job] = queued()
    assert job["appid"] == APP1 and job["mode"] == mode
    assert job["message"]["Content"] == message["Content"]
    assert str(job["message"]["MsgId"]) == str(message["MsgId"])
    assert job["message"]["FromUserName"] == message["FromUserName"]


def test_nested_event_fields_survive_xml(api, pusher, queued):
    message = event_message("subscribe_msg_popup_event",
                            List={"TemplateId": "tpl-1", "SubscribeStatusString": "accept", "PopupScene": "0"})
    assert post(api, pusher.push(message)).status == 200
    [job] = queued()
    assert job["message"]["List"] == {"TemplateId": "tpl-1", "SubscribeStatusString": "accept", "PopupScene": "0"}


def test_same_message_three_times_is_queued_once(api, pusher, queued):
    message = text_message("once please")
    for _ in range(3):
        reply = post(api, pusher.push(message, mode="safe"))  # fresh nonce and ciphertext each time, as WeChat does
        assert reply.status == 200 and reply.text == "success"
    assert len(queued()) == 1


def test_events_deduplicate_on_sender_time_and_event(api, pusher, queued):
    first = event_message("user_enter_tempsession", SessionFrom="a")
    assert post(api, pusher.push(first, fmt="json")).status == 200
    assert post(api, pusher.push(first, fmt="json")).status == 200
    other = {**first, "Event": "subscribe"}
    assert post(api, pusher.push(other, fmt="json")).status == 200
    assert [j["message"]["Event"] for j in queued()] == ["user_enter_tempsession", "subscribe"]


def _bad_requests(pusher):
    message = text_message("should never be queued")
    xml = to_xml(message)
    path, body, headers = pusher.push(message, mode="safe")
    good_cipher = pusher.encrypt(xml)
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1) if i else "&lol;") * 10}">' for i in range(1, 9))
            + ']><xml><Content>&lol8;</Content><MsgId>1</MsgId></xml>')
    xxe = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           '<xml><Content>&xxe;</Content><MsgId>2</MsgId></xml>')
    plain_path = pusher.push(message, mode="plaintext")[0]
    return {
        "wrong signature": (pusher.push(message, mode="plaintext", params={"signature": "f" * 40}), 401),
        "missing signature": ((plain_path.replace("signature=", "x="), xml, XML), 401),
        "wrong msg_signature": (pusher.push(message, mode="safe", params={"msg_signature": "0" * 40}), 401),
        "ciphertext for another app": (pusher.push(message, encrypt=pusher.encrypt(xml, appid=APP2)), 403),
        "truncated base64": (pusher.push(message, encrypt=good_cipher[:-7]), 400),
        "bad padding": (pusher.push(message, encrypt=good_cipher[:-44] + good_cipher[-44:][::-1]), 400),
        "stale timestamp": (pusher.push(message, mode="safe", timestamp=1409735669), 403),
        "future timestamp": (pusher.push(message, mode="plaintext", timestamp=4102444800), 403),
        "non-numeric timestamp": (pusher.push(message, mode="plaintext", params={"timestamp": "soon"}), 400),
        "xml bomb": ((plain_path, bomb, XML), 400),
        "external entity": ((plain_path, xxe, XML), 400),
        "not xml": ((plain_path, "hello", XML), 400),
        "json list": ((plain_path, "[1,2]", {"Content-Type": "application/json"}), 400),
        "deep json": ((plain_path, "[" * 60000 + "]" * 60000, {"Content-Type": "application/json"}), 400),
        "encrypted without Encrypt": ((path, "<xml><ToUserName>x</ToUserName></xml>", XML), 400),
        "five megabytes": ((plain_path, "<xml><Content>" + "a" * (5 * 1024 * 1024) + "</Content></xml>", XML), 413),
        "unsupported type": ((plain_path, xml, {"Content-Type": "text/html"}), 400),
    }


def test_hostile_and_forged_pushes_are_rejected_and_nothing_is_queued(api, pusher, queued, monkeypatch):
    for name, (request, status) in _bad_requests(pusher).items():
        if "encrypt_type=aes" in request[0]:
            monkeypatch.setenv("WXBASE_APPS", json.dumps(TEST_APPS))
        else:  # the plaintext-mode attacks, at an app that accepts plaintext pushes
            plaintext_app(monkeypatch)
        reply = post(api, request)
        assert reply.status == status, (name, reply)
        body = reply.json
        assert body["status"] == status and isinstance(body["message"], str) and body["data"] == {}, name
    assert queued() == []


def test_bad_padding_with_valid_signature_names_no_secret(api, pusher, queued):
    message = text_message()
    good = pusher.encrypt(to_xml(message))
    reply = post(api, pusher.push(message, encrypt=good[:-44] + good[-44:][::-1]))
    assert reply.status == 400
    assert "invalid" in reply.json["message"]
    assert queued() == []


def test_timestamp_window_can_be_turned_off(api, queued, monkeypatch):
    apps = [dict(a) for a in TEST_APPS]
    apps[0].update(callbackMaxAgeSeconds=0, callbackMode="plaintext")
    monkeypatch.setenv("WXBASE_APPS", json.dumps(apps))
    old = Pusher(apps[0]).push(text_message(), mode="plaintext", timestamp=1409735669)
    assert post(api, old).status == 200
    assert len(queued()) == 1


def test_queue_outage_answers_503_and_the_retry_is_queued(api, pusher, queued, monkeypatch):
    message = text_message("while the queue is down")
    monkeypatch.setenv("WXBASE_QUEUE", "wxbase-test-missing-queue")
    reply = post(api, pusher.push(message, mode="safe"))
    assert reply.status == 503 and reply.json["status"] == 503
    monkeypatch.undo()
    assert post(api, pusher.push(message, mode="safe")).status == 200  # WeChat's retry: the claim was released
    assert [j["message"]["Content"] for j in queued()] == [message["Content"]]


def test_a_claim_abandoned_before_queueing_lets_wechats_retry_queue_the_message(api, pusher, queued):
    from chalicelib.wechat import inbox, push

    message = text_message("the first attempt died between its claim and the queue")
    key = push.message_key(message, b"")  # a message is known by its MsgId
    inbox.claim(APP1, key, now=time.time() - inbox.ABANDONED_AFTER_SECONDS - 1)  # and no answer reached WeChat
    assert post(api, pusher.push(message, mode="safe")).status == 200  # WeChat's retry
    assert [j["message"]["Content"] for j in queued()] == [message["Content"]]
    assert post(api, pusher.push(message, mode="safe")).status == 200  # a later retry: queued already
    assert queued() == []


def test_a_retry_while_the_first_delivery_is_being_queued_is_a_duplicate(api, pusher, queued):
    from chalicelib.wechat import inbox, push

    message = text_message("the first attempt is still queueing it")
    inbox.claim(APP1, push.message_key(message, b""))
    assert post(api, pusher.push(message, mode="safe")).status == 200
    assert queued() == []


def test_pushes_under_the_previous_encoding_aes_key_are_accepted_during_a_rotation(api, queued, monkeypatch):
    from tests.helpers import aes_key

    apps = [dict(a) for a in TEST_APPS]
    old_app = dict(apps[0])
    apps[0].update(encodingAESKey=aes_key(), encodingAESKeyPrevious=old_app["encodingAESKey"])
    monkeypatch.setenv("WXBASE_APPS", json.dumps(apps))
    assert post(api, Pusher(old_app).push(text_message(), mode="safe")).status == 200
    assert post(api, Pusher(apps[0]).push(text_message(), mode="safe")).status == 200
    assert len(queued()) == 2
    del apps[0]["encodingAESKeyPrevious"]  # rotation finished: the old key no longer opens anything
    monkeypatch.setenv("WXBASE_APPS", json.dumps(apps))
    assert 400 <= post(api, Pusher(old_app).push(text_message(), mode="safe")).status < 500
    assert queued() == []
