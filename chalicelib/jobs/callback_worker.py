"""The callback worker: processes queued pushes (wxbase's own steps — official-account follows, image-check
verdicts — then auto replies, then registered handlers), one record at a time.

Each record succeeds or fails on its own (SQS partial batch response), so one bad message never holds back the
others. A failed record stays on the queue, is retried after the visibility timeout, and goes to the dead-letter
queue after the queue's maxReceiveCount. Finished steps are recorded on the message's inbox item, so a retry repeats
only what failed, and a message SQS delivers twice is processed once.
"""
import json
import logging
import time
from typing import Any

from chalicelib.core import logs
from chalicelib.core.settings import get_settings
from chalicelib.wechat import customer_service, inbox, push, push_handlers

AUTO_REPLY_STEP = "auto-reply"
FOLLOWS_STEP = "follows"
MEDIA_CHECK_STEP = "media-check"


class PushMessage:
    """What a handler gets: the app, the message fields, and `reply()` to answer the sender."""

    def __init__(self, app, fields, mode="safe"):
        self.app = app
        self.appid = app.appid
        self.fields = fields
        self.mode = mode

    def get(self, name, default=""):
        return push.text_field(self.fields, name) or default

    @property
    def openid(self):
        return self.get("FromUserName")

    @property
    def msg_type(self):
        return self.get("MsgType")

    @property
    def event(self):
        return self.get("Event")

    @property
    def content(self):
        return self.get("Content")

    def reply(self, body):
        """Answer the sender with a customer-service message (text, image, link or miniprogrampage body)."""
        return customer_service.send(self.app, self.openid, body)


def _follow(message):
    from chalicelib.users import follows

    follows.record_push(message.app, message.event, message.openid, int(message.get("CreateTime", "0") or 0))


def _media_verdict(message):
    from chalicelib.records.moderation import image_check

    image_check.apply_verdict(message.app, message.fields)


def _builtin_steps(message):
    """wxbase's own handling, before the team's handlers: follower state of official accounts, image verdicts."""
    if message.msg_type != "event":
        return
    if message.event in ("subscribe", "unsubscribe") and not message.app.is_miniprogram:
        yield FOLLOWS_STEP, _follow
    elif message.event == "wxa_media_check" and message.app.is_miniprogram:
        yield MEDIA_CHECK_STEP, _media_verdict


def _steps(message):
    yield from _builtin_steps(message)
    if message.msg_type == "text":
        reply = customer_service.auto_reply_for(message.app, message.content)
        if reply is not None:
            yield AUTO_REPLY_STEP, (lambda m, r=reply: m.reply(r))
    for registration in push_handlers.handlers_for(message):
        yield "handler:" + registration.name, registration.fn


def process(payload):
    """Process one queued push (the dict the callback queued). Raises if any step fails."""
    if payload.get("kind") == "payment_expiry":  # an unpaid order's due time (payments/expiry.py)
        from chalicelib.payments import service

        return service.expire(payload)
    appid, key = payload["appid"], payload["key"]
    app = get_settings().app(appid)
    state = inbox.load(appid, key)
    if state.get("state") == inbox.DONE:
        logs.event("wechat.push_redelivered", appid=appid, message_key=key)
        return []
    finished = set(state.get("steps") or [])
    message = PushMessage(app, payload["message"], payload.get("mode", "safe"))
    ran = []
    for step, fn in _steps(message):
        if step in finished:
            continue
        fn(message)
        inbox.step_done(appid, key, step)
        ran.append(step)
    inbox.finish(appid, key)
    return ran


def handle(event: dict[str, Any]) -> dict[str, Any]:
    """The SQS handler's body: returns the partial batch response Lambda expects."""
    failures = []
    for raw in event.get("Records") or []:
        message_id = raw.get("messageId", "")
        started = time.monotonic()
        request_id = logs.set_request_id(message_id)  # every log line of this record carries its SQS message id
        try:
            payload = json.loads(raw["body"])
            ran = process(payload)
            logs.event("wechat.push_processed", appid=payload.get("appid"), message_key=payload.get("key"),
                       steps=",".join(ran), elapsed_ms=int((time.monotonic() - started) * 1000))
        except Exception as exc:  # keep going: this record is retried by SQS, the others are not held back
            failures.append({"itemIdentifier": message_id})
            receive_count = raw.get("attributes", {}).get("ApproximateReceiveCount", "")
            logs.event("wechat.push_failed", level=logging.WARNING, sqs_message_id=message_id,
                       error=exc.__class__.__name__, receive_count=receive_count,
                       errcode=getattr(exc, "errcode", None))
        finally:
            logs.reset_request_id(request_id)
    return {"batchItemFailures": failures}
