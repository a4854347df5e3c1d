"""The template wires the push worker to the callback queue and gives each push function only what it uses."""
from tests.package.test_template import load_template


def _statements(resources, role):
    for resource in resources.values():
        if resource.get("Type") == "AWS::IAM::Policy" and resource["Properties"]["Roles"] == [{"Ref": role}]:
            yield from resource["Properties"]["PolicyDocument"]["Statement"]


def _actions(resources, role):
    return {a for s in _statements(resources, role) for a in (s["Action"] if isinstance(s["Action"], list)
                                                              else [s["Action"]])}


def test_worker_reads_the_callback_queue_with_partial_batch_failures():
    resources = load_template()["Resources"]
    source = resources["CallbackWorker"]["Properties"]["Events"]["CallbackWorkerSqsEventSource"]["Properties"]
    assert source["Queue"] == {"Sub": "${CallbackQueue.Arn}"}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue = resources["CallbackQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"GetAtt": "CallbackDeadLetterQueue.Arn"}
    assert queue["VisibilityTimeout"] >= 6 * 30  # AWS: at least six times the worker's timeout


def test_each_push_function_gets_least_privilege():
    resources = load_template()["Resources"]
    assert _actions(resources, "CallbackWorkerRole") == {
        "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem", "sqs:ReceiveMessage", "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "ssm:GetParameter",
        "sqs:SendMessage", "sqs:GetQueueUrl"}  # unpaid orders' expiry messages sent again until due
    assert _actions(resources, "TokenRefresherRole") == {"dynamodb:GetItem", "dynamodb:UpdateItem",
                                                          "ssm:GetParameter"}
    assert {"sqs:SendMessage", "sqs:GetQueueUrl"} <= _actions(resources, "ApiHandlerRole")
    # the API receives only dead letters (the console lists and redrives them), never the worker's queue
    receiving = [s["Resource"] for s in _statements(resources, "ApiHandlerRole")
                 if any(a.startswith("sqs:Receive") for a in (s["Action"] if isinstance(s["Action"], list)
                                                               else [s["Action"]]))]
    assert receiving == [{"GetAtt": "CallbackDeadLetterQueue.Arn"}]
    assert resources["TokenRefresher"]["Properties"]["ReservedConcurrentExecutions"] == 1
