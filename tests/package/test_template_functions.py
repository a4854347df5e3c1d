"""The template's parts for the team's functions: the API reads the service keys from the stage's SSM path, the
stream consumer's event source retries in order and gives up to a queue, and the one schedule dispatcher gets the
same data access as the API, scoped to the table, the bucket and the stage's parameters."""
from tests.package.test_template import load_template


def _statements(resources, role):
    return [s for r in resources.values() if r.get("Type") == "AWS::IAM::Policy"
            and {"Ref": role} in r["Properties"]["Roles"] for s in r["Properties"]["PolicyDocument"]["Statement"]]


def _actions(statement):
    return statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]


def test_the_api_reads_service_keys_from_the_stage_parameters():
    env = load_template()["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["WXBASE_SERVICE_KEYS"] == {"Sub": "ssm:/wxbase/${Stage}/service-keys"}


def test_the_record_stream_retries_in_order_and_gives_up_to_a_queue():
    resources = load_template()["Resources"]
    source = resources["RecordStream"]["Properties"]["Events"]["RecordStreamDynamodbEventSource"]["Properties"]
    assert source["Stream"] == {"GetAtt": "Table.StreamArn"}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"] and source["BisectBatchOnFunctionError"]
    assert 0 < source["MaximumRetryAttempts"] <= 10
    assert source["DestinationConfig"]["OnFailure"]["Destination"] == {"GetAtt": "RecordStreamFailures.Arn"}
    statements = _statements(resources, "RecordStreamRole")
    stream = [s for s in statements if "dynamodb:GetRecords" in _actions(s)]
    assert stream and all(s["Resource"] == {"GetAtt": "Table.StreamArn"} for s in stream)
    sends = [s for s in statements if "sqs:SendMessage" in _actions(s)]
    assert sends == [{"Sid": "Failures", "Effect": "Allow", "Action": "sqs:SendMessage",
                      "Resource": {"GetAtt": "RecordStreamFailures.Arn"}}]


def test_one_dispatcher_runs_the_scheduled_functions_with_scoped_access():
    resources = load_template()["Resources"]
    dispatcher = resources["FunctionsSchedule"]["Properties"]
    assert dispatcher["ReservedConcurrentExecutions"] == 1 and dispatcher["Timeout"] >= 60
    assert dispatcher["Environment"]["Variables"]["WXBASE_TABLE"] == {"Ref": "Table"}
    statements = _statements(resources, "FunctionsScheduleRole")
    resources_granted = [s["Resource"] for s in statements]
    assert {"Sub": "${Bucket.Arn}/*"} in resources_granted
    assert [{"GetAtt": "Table.Arn"}, {"Sub": "${Table.Arn}/index/*"}] in resources_granted
    assert not any("dynamodb:Scan" in _actions(s) for s in statements)
