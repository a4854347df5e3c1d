"""Metrics as CloudWatch's embedded metric format wants them, and the log events that count."""
import json
import logging

from chalicelib.core import logs, metrics


def test_a_line_is_an_embedded_metric_format_document():
    entry = json.loads(metrics.line({"WeChatErrors": (1, "Count"), "WeChatLatency": (12.5, "Milliseconds")},
                                    {"Api": "/sns/jscode2session", "Errcode": "40029"}, "req-1"))
    directive = entry["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "wxbase" and directive["Dimensions"] == [["Api", "Errcode"]]
    assert directive["Metrics"] == [{"Name": "WeChatErrors", "Unit": "Count"},
                                    {"Name": "WeChatLatency", "Unit": "Milliseconds"}]
    assert entry["Api"] == "/sns/jscode2session" and entry["Errcode"] == "40029"
    assert entry["WeChatErrors"] == 1 and entry["WeChatLatency"] == 12.5 and entry["requestId"] == "req-1"
    assert isinstance(entry["_aws"]["Timestamp"], int)
    assert json.loads(metrics.line({"Requests": (1, "Count")}, {}))["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[]]


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(json.loads(record.getMessage()))


def test_named_log_events_count_with_their_dimensions_and_others_do_not():
    seen = _Lines()
    out = logging.getLogger("wxbase.metrics")
    out.addHandler(seen)
    out.setLevel(logging.INFO)
    try:
        token = logs.set_request_id("req-2")
        logs.event("content_review", collection="posts", field="body", label=20001)
        logs.event("image_check_verdict", outcome="risky", label=20002)
        logs.event("wechat.token_refresh_failed", appid="wx1")
        logs.event("login", appid="wx1")
        logs.reset_request_id(token)
    finally:
        out.removeHandler(seen)
    assert [(next(m["Name"] for m in e["_aws"]["CloudWatchMetrics"][0]["Metrics"]),
             e["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0], e["requestId"]) for e in seen.lines] == [
        ("ContentVerdicts", ["Verdict"], "req-2"), ("ImageVerdicts", ["Outcome"], "req-2"),
        ("TokenRefreshFailures", [], "req-2")]
    assert seen.lines[0]["Verdict"] == "review" and seen.lines[1]["Outcome"] == "risky"


def test_an_event_handler_logs_with_its_invocations_request_id():
    class Context:
        aws_request_id = "lambda-req-3"

    class Event:
        context = Context()

    seen = []

    @logs.per_invocation
    def handler(event):
        seen.append(logs.current_request_id())
        return "done"

    assert handler(Event()) == "done" and seen == ["lambda-req-3"] and logs.current_request_id() is None
    handler(type("WsEvent", (), {"context": {"requestId": "ws-req-4"}})())
    assert seen[-1] == "ws-req-4"
