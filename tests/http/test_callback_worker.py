"""The callback worker: pushes go callback → SQS → worker (auto replies, registered handlers), exactly once."""
import json

import pytest

from chalicelib.wechat import push_handlers
from tests.pushing import Pusher, event_message, text_message
from tests.stackenv import APP1, TEST_APPS


@pytest.fixture
def pusher():
    return Pusher(TEST_APPS[0])


@pytest.fixture
def handlers():
    added = []

    def register(decorator, fn):
        decorator(fn)
        added.append(fn)
        return fn

    yield register
    for fn in added:
        push_handlers.unregister(fn)


def push(api, request):
    path, body, headers = request
    reply = api.post(path, body, headers=headers)
    assert reply.status == 200 and reply.text == "success", reply
    return reply


def test_keyword_auto_reply_reaches_wechat(api, sandbox, pusher, queue, worker):
    message = text_message("Hello, is anyone there?")
    push(api, pusher.push(message, mode="safe", fmt="json"))
    bodies = queue()
    assert len(bodies) == 1
    assert worker(bodies) == {"batchItemFailures": []}
    [sent] = sandbox.sent(APP1)
    assert sent["api"] == "custom"
    assert sent["body"] == {"touser": message["FromUserName"], "msgtype": "text", "text": {"content": "hi"}}


def test_worker_log_lines_carry_the_sqs_message_id(api, pusher, queue, worker, caplog):
    from chalicelib.core.logs import JsonFormatter

    push(api, pusher.push(text_message("good evening"), mode="safe"))
    caplog.clear()
    worker(queue())
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.getMessage() == "wechat.push_processed"]
    assert [line["request_id"] for line in lines] == ["m-0"]


def test_text_without_keyword_sends_nothing(api, sandbox, pusher, queue, worker):
    push(api, pusher.push(text_message("good morning"), mode="safe"))
    assert worker(queue()) == {"batchItemFailures": []}
    assert sandbox.sent(APP1) == []


def test_three_deliveries_and_an_sqs_duplicate_reply_once(api, sandbox, pusher, queue, worker):
    message = text_message("hello")
    for mode in ("safe", "compatible", "safe"):
        push(api, pusher.push(message, mode=mode))
    bodies = queue()
    assert len(bodies) == 1
    worker(bodies)
    worker(bodies)  # SQS is at-least-once: the same record again
    assert len(sandbox.sent(APP1)) == 1


def test_registered_event_handler_runs_with_the_message(api, sandbox, pusher, queue, worker, handlers):
    seen = []

    def welcome(message):
        seen.append((message.appid, message.event, message.get("SessionFrom")))
        message.reply({"msgtype": "link", "link": {"title": "Help", "description": "d", "url": "https://example.com",
                                                   "thumb_url": "https://example.com/t.png"}})

    handlers(push_handlers.on_event("user_enter_tempsession"), welcome)
    event = event_message("user_enter_tempsession", SessionFrom="page-cart")
    push(api, pusher.push(event, mode="safe", fmt="xml"))
    assert worker(queue()) == {"batchItemFailures": []}
    assert seen == [(APP1, "user_enter_tempsession", "page-cart")]
    [sent] = sandbox.sent(APP1)
    assert sent["body"]["msgtype"] == "link" and sent["body"]["touser"] == event["FromUserName"]


def test_handlers_only_see_their_events(api, pusher, queue, worker, handlers):
    seen = []
    handlers(push_handlers.on_event("subscribe_msg_popup_event"), lambda m: seen.append(m.event))
    push(api, pusher.push(event_message("user_enter_tempsession"), mode="safe"))
    push(api, pusher.push(event_message("subscribe_msg_popup_event",
                                        List={"TemplateId": "t", "SubscribeStatusString": "accept"}), mode="safe"))
    assert worker(queue()) == {"batchItemFailures": []}
    assert seen == ["subscribe_msg_popup_event"]


def test_failed_step_is_retried_alone_and_others_in_the_batch_succeed(api, sandbox, pusher, queue, worker, handlers):
    attempts = []

    def flaky(message):
        attempts.append(message.content)
        if len(attempts) == 1:
            raise RuntimeError("downstream unavailable")

    handlers(push_handlers.on_message("text"), flaky)
    push(api, pusher.push(text_message("hello first"), mode="safe"))
    push(api, pusher.push(text_message("second"), mode="safe"))
    bodies = queue()
    result = worker(bodies)
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}
    assert len(sandbox.sent(APP1)) == 1  # the auto reply of the first message was sent before its handler failed
    assert worker(bodies[:1]) == {"batchItemFailures": []}  # SQS redelivers only the failed record
    assert attempts == ["hello first", "second", "hello first"]
    assert len(sandbox.sent(APP1)) == 1  # and the finished auto reply is not repeated


def test_wechat_rejection_fails_the_record_for_retry(api, sandbox, pusher, queue, worker):
    sandbox.fail("/cgi-bin/message/custom/send", errcode=45015, times=1)
    push(api, pusher.push(text_message("hello"), mode="safe"))
    bodies = queue()
    assert worker(bodies) == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}
    assert worker(bodies) == {"batchItemFailures": []}
    assert len(sandbox.sent(APP1)) == 1


def test_local_drainer_processes_and_dead_letters(api, sandbox, pusher, queue, chalice_app, handlers):
    import app as app_module
    from chalicelib.core import aws
    from chalicelib.store import queue as sqs_queue
    from devserver.jobs import QueueDrainer
    from devserver.resources import dead_letter_queue_name

    def always_fails(message):
        raise RuntimeError("broken handler")

    handlers(push_handlers.on_event("poison_event"), always_fails)
    push(api, pusher.push(text_message("hello drained"), mode="safe"))
    push(api, pusher.push(event_message("poison_event"), mode="safe"))
    drainer = QueueDrainer(app_module.callback_worker, wait_seconds=0, retry_after=0)
    for _ in range(12):
        drainer.drain_once()
    assert [s["body"]["text"]["content"] for s in sandbox.sent(APP1)] == ["hi"]
    dlq_url = sqs_queue.queue_url(dead_letter_queue_name(sqs_queue.get_settings().queue_name))
    dead = aws.client("sqs").receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"])["message"]["Event"] for m in dead] == ["poison_event"]
    for m in dead:
        aws.client("sqs").delete_message(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"])
