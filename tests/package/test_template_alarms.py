"""The template's alarms watch what docs/operations.md says they do, on metrics the code emits, and notify one
topic; the dashboard's metrics exist."""
import re

from chalicelib.core import metrics
from tests.package.test_template import load_template

OWN = {"Requests", "Errors4xx", "Errors5xx", "Latency", "WeChatCalls", "WeChatLatency", "WeChatErrors",
       *(m for m, _, _ in metrics.EVENT_METRICS.values())}


def _alarms():
    resources = load_template()["Resources"]
    return {name: r["Properties"] for name, r in resources.items() if r.get("Type") == "AWS::CloudWatch::Alarm"}


def test_each_alarm_watches_its_metric_and_notifies_the_topic():
    alarms = _alarms()
    watched = {name: (a.get("Namespace"), a.get("MetricName")) for name, a in alarms.items()}
    assert watched == {
        "Http5xxRateAlarm": ("wxbase", "Errors5xx"), "ApiFunctionErrorsAlarm": ("AWS/Lambda", "Errors"),
        "ThrottlesAlarm": (None, None), "CallbackDeadLettersAlarm": ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        "StreamFailuresAlarm": ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        "TokenRefreshFailingAlarm": ("wxbase", "TokenRefreshFailures"),
        "StreamConsumerLagAlarm": ("AWS/Lambda", "IteratorAge")}
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert alarm["TreatMissingData"] == "notBreaching", name
        if alarm.get("Namespace") == "wxbase":
            assert alarm["MetricName"] in OWN and "Dimensions" not in alarm, name  # emitted without dimensions
    queues = {a["Dimensions"][0]["Value"]["GetAtt"] for a in alarms.values() if a.get("Namespace") == "AWS/SQS"}
    assert queues == {"CallbackDeadLetterQueue.QueueName", "RecordStreamFailures.QueueName"}
    assert alarms["StreamConsumerLagAlarm"]["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "RecordStream"}}]
    throttled = {m["MetricStat"]["Metric"]["MetricName"] for m in alarms["ThrottlesAlarm"]["Metrics"] if "MetricStat" in m}
    assert throttled == {"Throttles", "ReadThrottleEvents", "WriteThrottleEvents"}


def test_the_dashboard_shows_only_metrics_the_code_emits():
    body = load_template()["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Sub"][0]
    named = set(re.findall(r'\["wxbase", "(\w+)"', body)) | set(re.findall(r'MetricName=\\"(\w+)\\"', body))
    assert named and named <= OWN
