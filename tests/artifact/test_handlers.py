"""Every function of the packaged template, run from the unzipped zip through its Handler in a Python holding only
what Lambda's runtime provides, on AWS's event shapes, against the local engines — and the API's answers compared
with make dev's HTTP front for the same requests."""
import io
import json
import secrets

import requests
from PIL import Image

from tests.artifact import events, runtime
from tests.http.test_files_http import wx_upload_file
from tests.pushing import Pusher, drain_queue, text_message
from tests.stackenv import APP1, TEST_APPS

ANSWER_SCHEDULES = {"TokenRefresher", "SendSubscribeMessages", "SweepUploads", "FunctionsSchedule", "BackupExport",
                    "ReconcilePayments"}


def _via_lambda(handlers, artifact, method, url, headers=(), body=b""):
    event = events.rest(artifact.rest_api(), method, url, list(headers), body)
    status, content_type, raw = events.rest_answer(handlers["APIHandler"].invoke(event))
    return status, content_type.split(";")[0], raw


def _via_dev(server, method, url, headers=(), body=b""):
    # requests would merge repeated headers; send them as the client sent them
    session = requests.Session()
    prepared = requests.Request(method, server.url + url, data=body or None).prepare()
    for name, value in headers:
        prepared.headers[name] = value if name not in prepared.headers else prepared.headers[name] + ", " + value
    answer = session.send(prepared, timeout=30)
    return answer.status_code, answer.headers.get("Content-Type", "").split(";")[0], answer.content


def _comparable(raw, content_type):
    if content_type == "application/json" and raw:
        value = json.loads(raw)
        if isinstance(value, dict):
            value.pop("token", None)
        return value
    return raw


def _same(handlers, artifact, server, method, url, headers=(), body=b""):
    lam = _via_lambda(handlers, artifact, method, url, headers, body)
    dev = _via_dev(server, method, url, headers, body)
    assert lam[:2] == dev[:2], (url, lam, dev)
    assert _comparable(lam[2], lam[1]) == _comparable(dev[2], dev[1]), url
    return lam[0], _comparable(lam[2], lam[1])


def test_every_handler_imports_from_the_zip_alone_on_the_runtime(handlers, artifact, runtime_python):
    assert set(handlers) == set(artifact.functions()) and len(handlers) >= 10
    for name, handler in handlers.items():
        assert handler.cold["outside"] == [], name  # nothing from the project or this machine's site-packages
        assert handler.cold["python"] == runtime.runtime_python_version(runtime_python), name


def test_the_api_answers_as_make_dev_does(handlers, artifact, _live_server, stack):
    login = json.dumps({"code": f"sandbox-artifact-{secrets.token_hex(3)}", "appid": APP1}).encode()
    json_type = [("Content-Type", "application/json")]
    first = _via_dev(_live_server, "POST", "/api/wechat/login", json_type, login)
    assert first[0] == 200
    status, answer = _same(handlers, artifact, _live_server, "POST", "/api/wechat/login", json_type, login)
    assert status == 200 and answer["meta"]["isNew"] is False
    token = json.loads(first[2])["token"]
    user = answer["record"]["id"]
    auth = [("Authorization", token)]

    created = _via_lambda(handlers, artifact, "POST", "/api/collections/posts/records", json_type + auth,
                          json.dumps({"title": "from the zip", "owner": user, "status": "published"}).encode())
    assert created[0] == 200, created
    post = json.loads(created[2])["id"]
    _same(handlers, artifact, _live_server, "GET", f"/api/collections/posts/records/{post}", auth)
    # multi-value query strings and headers
    status, page = _same(handlers, artifact, _live_server, "GET",
                         f"/api/collections/posts/records?filter=id%3D%22{post}%22&perPage=5&perPage=1"
                         "&fields=id,title", auth + [("Accept", "application/json"), ("Accept", "*/*")])
    assert status == 200 and page["items"] == [{"id": post, "title": "from the zip"}]
    for method, url, headers, body in [
        ("GET", "/api/health", (), b""),
        ("GET", "/api/realtime", (), b""),
        ("GET", "/api/collections/nope/records", (), b""),
        ("POST", "/api/collections/posts/records", json_type + auth, b"{not json"),
        ("POST", "/api/collections/posts/records", [("Content-Type", "multipart/form-data; boundary=b")] + auth,
         b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--b--\r\n'),
        ("POST", "/api/files/upload", [("Content-Type", "application/octet-stream")] + auth, bytes(range(256))),
        ("GET", Pusher(TEST_APPS[0]).verification("echo-me"), (), b""),
    ]:
        status, _ = _same(handlers, artifact, _live_server, method, url, headers, body)
        assert status < 500, url


def test_a_push_goes_through_the_queue_and_a_bad_message_alone_is_retried(handlers, artifact, sandbox):
    drain_queue()
    pusher = Pusher(TEST_APPS[0])
    sender = "o" + secrets.token_hex(12)
    path, body, headers = pusher.push(text_message("hello there", sender=sender))
    status, _, raw = _via_lambda(handlers, artifact, "POST", path, list(headers.items()), body.encode())
    assert status == 200, raw
    bodies = drain_queue()
    assert bodies
    event = events.sqs(bodies + ["not a queued push"], "wxbase-test-callbacks")
    result = handlers["CallbackWorker"].invoke(event)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][-1]["messageId"]}]}
    replies = [m["body"] for m in sandbox.sent(APP1) if m["body"].get("touser") == sender]
    assert [m["text"]["content"] for m in replies] == ["hi"]  # the app's auto reply, sent once


def test_record_changes_reach_the_stream_function(handlers, artifact, _live_server, stack):
    from devserver.streams import StreamReader

    token = json.loads(_via_dev(_live_server, "POST", "/api/wechat/login", [("Content-Type", "application/json")],
                                json.dumps({"code": "sandbox-artifact-stream", "appid": APP1}).encode())[2])
    auth = [("Authorization", token["token"]), ("Content-Type", "application/json")]
    user = token["record"]["id"]
    post = json.loads(_via_dev(_live_server, "POST", "/api/collections/posts/records", auth,
                               json.dumps({"title": "t", "owner": user, "status": "published"}).encode())[2])["id"]
    delivered = []

    def to_the_zip(event, context):
        delivered.append(len(event["Records"]))
        return handlers["RecordStream"].invoke(event)

    reader = StreamReader(to_the_zip)
    assert _via_dev(_live_server, "POST", "/api/collections/comments/records", auth,
                    json.dumps({"post": post, "author": user, "text": "hi"}).encode())[0] == 200
    for _ in range(20):
        if not reader.poll() and delivered:
            break
    assert delivered
    _, _, raw = _via_lambda(handlers, artifact, "GET", f"/api/collections/posts/records/{post}", auth)
    assert json.loads(raw)["comments"] == 1  # the after hook of functions/comments.py ran in the zip


def test_every_schedule_runs_on_an_eventbridge_event(handlers, artifact):
    from chalicelib.store import keys, table

    scheduled = {name for name, props in artifact.functions().items()
                 if any(e["Type"] == "Schedule" for e in props.get("Events", {}).values())}
    assert scheduled == ANSWER_SCHEDULES
    table.delete(keys.access_token(APP1))
    for name in sorted(scheduled):
        handlers[name].invoke(events.schedule(name))
    assert table.get(keys.access_token(APP1)) is not None  # the refresher fetched a token from the sandbox


def test_a_socket_connects_pings_and_disconnects(handlers, connections):
    connection = secrets.token_urlsafe(8) + "="
    domain = "ws.example.com"
    assert handlers["WebsocketConnect"].invoke(events.websocket("CONNECT", connection, domain))["statusCode"] == 200
    handlers["WebsocketMessage"].invoke(events.websocket("MESSAGE", connection, domain, json.dumps({"type": "ping"})))
    handlers["WebsocketMessage"].invoke(events.websocket("MESSAGE", connection, domain, "{broken"))
    posted = connections.posted.get(connection, [])
    assert posted[0] == {"type": "pong"} and posted[1]["type"] == "error" and posted[1]["status"] == 400
    assert handlers["WebsocketDisconnect"].invoke(
        events.websocket("DISCONNECT", connection, domain))["statusCode"] == 200


def test_a_thumbnail_is_made_by_the_zips_pillow(handlers, artifact, sandbox):
    """posts.cover lists 300x200 in its thumbs: the first `?thumb=300x200` makes it, in the zip's Pillow."""
    json_type = [("Content-Type", "application/json")]
    code = f"sandbox-artifact-{secrets.token_hex(3)}"
    status, _, raw = _via_lambda(handlers, artifact, "POST", "/api/wechat/login", json_type,
                                 json.dumps({"code": code, "appid": APP1}).encode())
    assert status == 200, raw
    login = json.loads(raw)
    auth = [("Authorization", login["token"])]
    photo = io.BytesIO()
    Image.new("RGB", (1200, 900), (200, 30, 30)).save(photo, "JPEG", quality=90)
    status, _, raw = _via_lambda(handlers, artifact, "POST", "/api/files/upload", json_type + auth, json.dumps(
        {"collection": "posts", "field": "cover", "filename": "photo.jpg", "size": len(photo.getvalue()),
         "contentType": "image/jpeg"}).encode())
    assert status == 200, raw
    upload = json.loads(raw)
    wx_upload_file(upload, photo.getvalue(), "image/jpeg")
    status, _, raw = _via_lambda(handlers, artifact, "POST", "/api/collections/posts/records", json_type + auth,
                                 json.dumps({"id": upload["recordId"], "title": "with a cover", "status": "draft",
                                             "owner": login["record"]["id"], "cover": upload["name"]}).encode())
    assert status == 200, raw

    answer = handlers["APIHandler"].invoke(events.rest(
        artifact.rest_api(), "GET", f"/api/files/posts/{upload['recordId']}/{upload['name']}?thumb=300x200", auth))
    assert answer["statusCode"] == 302, answer
    location = {k.lower(): v for k, v in answer["headers"].items()}["location"]
    thumb = Image.open(io.BytesIO(requests.get(location, timeout=30).content))
    assert (thumb.format, thumb.size) == ("JPEG", (300, 200))
    assert "thumbs_" in location.split("?")[0]  # the stored thumbnail, not the original
