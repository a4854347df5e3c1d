"""`make deploy` (infra/deploy.py): artifacts uploaded once to the artifact bucket, the template pointed at them,
a change set created and executed with the stage's parameters, and the domain lists printed from the outputs.
S3 and CloudFormation are the emulator's (it runs no SAM transform, so the stack here is a small plain template
with the same parameters and outputs)."""
import json
import os
import secrets as random
import zipfile

import pytest
import yaml

from infra import deploy
from infra.stage import load

APPID = "wx00112233445566bb"


@pytest.fixture
def stage(stack, tmp_path):
    from chalicelib.core import aws

    bucket = f"artifacts-{random.token_hex(4)}"
    aws.client("s3").create_bucket(Bucket=bucket)
    name = f"d{random.token_hex(3)}"
    (tmp_path / f"{name}.json").write_text(json.dumps({
        "region": "us-east-1", "artifactBucket": bucket, "apps": [{"appid": APPID}],
        "filesDomain": {"name": "files.example.com",
                        "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-1"}}))
    return load(name, str(tmp_path), environ={})


def _package(out, template):
    out.mkdir()
    with zipfile.ZipFile(out / "deployment.zip", "w") as z:
        z.writestr("app.py", "app = None\n")
    (out / "sam.yaml").write_text(yaml.safe_dump(template))
    return str(out)


def test_artifacts_are_uploaded_once_and_the_template_points_at_the_zip(stage, tmp_path):
    from chalicelib.core import aws

    s3 = aws.client("s3")
    out = _package(tmp_path / "out", {"Resources": {
        "APIHandler": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "./deployment.zip"}},
        "Queue": {"Type": "AWS::SQS::Queue"}}})
    url = deploy.upload_artifacts(s3, stage, out)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=stage.artifact_bucket)["Contents"]]
    zip_key, = [k for k in keys if k.endswith(".zip")]
    template_key, = [k for k in keys if k.endswith(".template.json")]
    assert url == f"https://{stage.artifact_bucket}.s3.us-east-1.amazonaws.com/{template_key}"
    template = json.loads(s3.get_object(Bucket=stage.artifact_bucket, Key=template_key)["Body"].read())
    assert template["Resources"]["APIHandler"]["Properties"]["CodeUri"] == f"s3://{stage.artifact_bucket}/{zip_key}"
    assert s3.get_object(Bucket=stage.artifact_bucket, Key=zip_key)["Body"].read() == \
        open(os.path.join(out, "deployment.zip"), "rb").read()
    assert deploy.upload_artifacts(s3, stage, out) == url  # same content, same keys: nothing uploaded again
    assert len(s3.list_objects_v2(Bucket=stage.artifact_bucket)["Contents"]) == 2


def test_the_stack_is_created_then_updated_with_the_stage_parameters(stage, tmp_path):
    from dataclasses import replace

    from chalicelib.core import aws

    parameters = {name: {"Type": "String", "Default": ""} for name in stage.parameters()}
    template = {"Parameters": parameters, "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}
    out = _package(tmp_path / "out", template)
    cfn = aws.client("cloudformation")
    url = deploy.upload_artifacts(aws.client("s3"), stage, out)
    assert deploy.apply(cfn, stage, url, log=lambda line: None) is True
    described = cfn.describe_stacks(StackName=stage.stack_name)["Stacks"][0]
    assert described["StackStatus"] == "CREATE_COMPLETE"
    given = {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]}
    assert given == stage.parameters()

    egress = replace(stage, fixed_egress_ip=True)
    assert deploy.apply(cfn, egress, url, log=lambda line: None) is True
    described = cfn.describe_stacks(StackName=stage.stack_name)["Stacks"][0]
    assert described["StackStatus"] == "UPDATE_COMPLETE"
    assert {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]}["FixedEgressIp"] == "true"


def test_the_report_names_the_api_the_domain_lists_the_dns_targets_and_the_egress_ip():
    printed = deploy.report({"ApiUrl": "https://api.example.com", "FilesUrl": "https://files.example.com",
                             "ApiDomainTarget": "d-abc.execute-api.ap-east-1.amazonaws.com",
                             "FilesDomainTarget": "d111111abcdef8.cloudfront.net", "EgressIp": "203.0.113.7"})
    assert "API URL: https://api.example.com" in printed
    assert "request:      https://api.example.com; https://files.example.com" in printed
    assert "uploadFile:   https://files.example.com" in printed
    assert "socket:       (none yet)" in printed
    assert "FilesDomain → d111111abcdef8.cloudfront.net" in printed and "203.0.113.7" in printed
    assert "can't be listed" not in printed


def test_domain_lists_for_the_mini_program():
    outputs = {"ApiUrl": "https://api.example.com/v1", "FilesUrl": "https://files.example.com",
               "RealtimeUrl": "wss://live.example.com/ws"}
    assert deploy.domain_lists(outputs) == {
        "request": ["https://api.example.com", "https://files.example.com"],
        "uploadFile": ["https://files.example.com"],
        "downloadFile": ["https://api.example.com", "https://files.example.com"],
        "socket": ["wss://live.example.com"],
    }
    bare = {"ApiUrl": "https://abc123.execute-api.ap-east-1.amazonaws.com/api",
            "FilesUrl": "https://b.s3.ap-east-1.amazonaws.com"}
    assert deploy.domain_lists(bare)["socket"] == []
    assert "can't be listed" in deploy.report(bare)


def test_deploy_streams_the_stack_events_while_it_waits(stage, tmp_path):
    from chalicelib.core import aws

    parameters = {name: {"Type": "String", "Default": ""} for name in stage.parameters()}
    out = _package(tmp_path / "out", {"Parameters": parameters, "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})
    lines = []
    assert deploy.apply(aws.client("cloudformation"), stage, deploy.upload_artifacts(aws.client("s3"), stage, out),
                        log=lines.append) is True
    statuses = [line.split()[1] for line in lines[1:]]  # the emulator records the stack's own events
    assert statuses[-2:] == ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"] and stage.stack_name in lines[-1]


def test_a_failed_deploy_names_each_failed_resource_and_its_reason():
    import datetime

    import boto3
    from botocore.stub import Stubber

    # CloudFormation's failures can't be produced by the emulator; its answers are AWS's documented shapes
    cfn = boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    now = datetime.datetime(2026, 1, 1, 12, 0, 0)

    def event(i, logical, status, reason="", kind="AWS::Lambda::Function"):
        return {"StackId": "arn:aws:cloudformation:us-east-1:1:stack/s/1", "EventId": f"e{i}", "StackName": "s",
                "LogicalResourceId": logical, "ResourceType": kind, "Timestamp": now, "ResourceStatus": status,
                "ResourceStatusReason": reason}

    events = [event(3, "s", "ROLLBACK_COMPLETE", kind="AWS::CloudFormation::Stack"),
              event(2, "APIHandler", "CREATE_FAILED", "Resource handler returned message: \"The runtime parameter "
                                                      "of python3.11 is no longer supported\""),
              event(1, "APIHandler", "CREATE_IN_PROGRESS")]
    stubber = Stubber(cfn)
    stubber.add_response("describe_stack_events", {"StackEvents": events})
    stubber.add_response("describe_stacks", {"Stacks": [{"StackName": "s", "CreationTime": now,
                                                         "StackStatus": "ROLLBACK_COMPLETE"}]})
    stubber.add_response("describe_stack_events", {"StackEvents": events})
    lines = []
    with stubber:
        assert deploy.follow(cfn, "s", set(), log=lines.append, delay=0) == "ROLLBACK_COMPLETE"
        failed = deploy.failures(cfn, "s", set())
    assert [line.split()[1] for line in lines] == ["CREATE_IN_PROGRESS", "CREATE_FAILED", "ROLLBACK_COMPLETE"]
    assert failed == ["APIHandler (AWS::Lambda::Function): Resource handler returned message: \"The runtime "
                      "parameter of python3.11 is no longer supported\""]


def test_missing_secrets_stop_the_deploy_before_packaging(stage):
    import boto3

    with pytest.raises(deploy.StageError, match=r"make secrets STAGE=") as err:
        deploy.preflight(boto3.session.Session(region_name="us-east-1"), stage)
    assert "\n" not in str(err.value)


def test_no_credentials_and_an_unreachable_region_are_one_line_each(monkeypatch, capsys):
    import boto3

    from infra import aws_errors

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    closed = f"http://127.0.0.1:{_closed_port()}"

    def caller(**keys):
        return lambda: boto3.session.Session(region_name="ap-east-1", **keys).client(
            "sts", endpoint_url=closed).get_caller_identity()

    assert aws_errors.run("prod", caller()) == 2
    no_credentials = capsys.readouterr().err
    assert no_credentials.count("\n") == 1 and "aws configure" in no_credentials
    assert aws_errors.run("prod", caller(aws_access_key_id="a", aws_secret_access_key="b")) == 2
    unreachable = capsys.readouterr().err
    assert unreachable.count("\n") == 1 and "region" in unreachable and "Traceback" not in unreachable


def _closed_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
