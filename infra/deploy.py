"""`make deploy STAGE=<s>`: the packaged template and zip (`make package`) → S3 → a CloudFormation change set.

    python -m infra.deploy --stage prod [--check] [--out out]

Reads infra/stages/<stage>.json (infra/stage.py), uploads out/deployment.zip and the template to the artifact
bucket (content-addressed keys, so an unchanged package is not uploaded twice), creates or updates the stack with
the stage's parameters, waits for it, and prints the API URL and the domain lists to paste into the
mini-program's 服务器域名 settings, all read from the stack's outputs. `--check` only validates the stage file.
"""
import argparse
import hashlib
import json
import os
import sys

from infra.aws_errors import run
from infra.stage import Stage, StageError, load

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]  # roles, and the SAM transform
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def upload_if_missing(s3, bucket: str, key: str, path: str = None, body: bytes = None) -> None:
    from botocore.exceptions import ClientError

    try:
        s3.head_object(Bucket=bucket, Key=key)
        return
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
            raise
    if path:
        s3.upload_file(path, bucket, key)
    else:
        s3.put_object(Bucket=bucket, Key=key, Body=body)


def deployable_template(template_path: str, code_uri: str) -> str:
    """The packaged SAM template with every function's CodeUri pointing at the uploaded zip, as JSON."""
    import yaml

    with open(template_path, encoding="utf-8") as f:
        template = yaml.safe_load(f)  # chalice writes long-form intrinsics (Fn::Sub), no YAML tags
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = code_uri
    return json.dumps(template, sort_keys=True)


def upload_artifacts(s3, stage: Stage, out_dir: str) -> str:
    """Upload zip and template; returns the template's URL for CloudFormation."""
    if not stage.artifact_bucket:
        raise StageError("No artifact bucket: set artifactBucket in the stage file or ARTIFACT_BUCKET=<bucket> "
                         f"(an S3 bucket in {stage.region} that you own).")
    zip_path = os.path.join(out_dir, "deployment.zip")
    zip_key = f"wxbase/{stage.name}/{sha256_file(zip_path)[:32]}.zip"
    upload_if_missing(s3, stage.artifact_bucket, zip_key, path=zip_path)
    body = deployable_template(os.path.join(out_dir, "sam.yaml"), f"s3://{stage.artifact_bucket}/{zip_key}")
    template_key = f"wxbase/{stage.name}/{hashlib.sha256(body.encode()).hexdigest()[:32]}.template.json"
    upload_if_missing(s3, stage.artifact_bucket, template_key, body=body.encode())
    return f"https://{stage.artifact_bucket}.s3.{stage.region}.{stage.url_suffix}/{template_key}"


def apply(cfn, stage: Stage, template_url: str, log=print) -> bool:
    """Create or update the stack through a change set; False when there was nothing to change."""
    from botocore.exceptions import ClientError, WaiterError

    try:
        status = cfn.describe_stacks(StackName=stage.stack_name)["Stacks"][0]["StackStatus"]
    except ClientError as exc:
        if "does not exist" not in str(exc):
            raise
        status = None
    if status == "ROLLBACK_COMPLETE":
        raise StageError(f"{stage.stack_name} failed to create earlier and can only be deleted: delete it in the "
                         "CloudFormation console, then deploy again.")
    kind = "CREATE" if status in (None, "REVIEW_IN_PROGRESS") else "UPDATE"
    name = f"wxbase-{os.urandom(4).hex()}"
    cfn.create_change_set(
        StackName=stage.stack_name, ChangeSetName=name, ChangeSetType=kind, TemplateURL=template_url,
        Capabilities=CAPABILITIES,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in stage.parameters().items()],
    )
    try:
        cfn.get_waiter("change_set_create_complete").wait(StackName=stage.stack_name, ChangeSetName=name,
                                                          WaiterConfig={"Delay": 5, "MaxAttempts": 120})
    except WaiterError:
        reason = cfn.describe_change_set(StackName=stage.stack_name, ChangeSetName=name).get("StatusReason", "")
        if any(text in reason for text in NO_CHANGES):
            cfn.delete_change_set(StackName=stage.stack_name, ChangeSetName=name)
            log(f"{stage.stack_name}: no changes.")
            return False
        raise StageError(f"The change set failed: {reason}") from None
    log(f"{stage.stack_name}: {kind.lower()} in progress…")
    before = {e["EventId"] for e in _events(cfn, stage.stack_name)} if kind == "UPDATE" else set()
    cfn.execute_change_set(StackName=stage.stack_name, ChangeSetName=name)
    status = follow(cfn, stage.stack_name, set(before), log)
    if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        failed = failures(cfn, stage.stack_name, before)
        raise StageError(f"{stage.stack_name} ended {status}." + "".join(f"\n  {line}" for line in failed))
    return True


SETTLED = ("_COMPLETE", "_FAILED")  # CloudFormation's final stack statuses all end so; none in progress does


def _events(cfn, stack_name: str) -> list:
    """The stack's events, newest first (one page: CloudFormation returns 100 at a time)."""
    return cfn.describe_stack_events(StackName=stack_name).get("StackEvents", [])


def follow(cfn, stack_name: str, seen: set, log=print, delay: float = 5, max_polls: int = 720) -> str:
    """Print the stack's new events as they happen until it settles; its final status."""
    import time

    for _ in range(max_polls):
        fresh = [e for e in _events(cfn, stack_name) if e["EventId"] not in seen]
        for event in reversed(fresh):
            seen.add(event["EventId"])
            reason = f"  {event['ResourceStatusReason']}" if event.get("ResourceStatusReason") else ""
            log(f"  {event['Timestamp']:%H:%M:%S} {event['ResourceStatus']:<28} {event['LogicalResourceId']}{reason}")
        status = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
        if status.endswith(SETTLED):
            return status
        time.sleep(delay)
    raise StageError(f"{stack_name} is still {status} after an hour: follow it in the CloudFormation console.")


def failures(cfn, stack_name: str, since: set) -> list:
    """`resource (type): reason` for each resource that failed in this deploy, in the order they failed."""
    found = [e for e in reversed(_events(cfn, stack_name)) if e["EventId"] not in since
             and e["ResourceStatus"].endswith("_FAILED") and e["LogicalResourceId"] != stack_name]
    return [f"{e['LogicalResourceId']} ({e.get('ResourceType', '')}): {e.get('ResourceStatusReason', '')}"
            for e in found]


def stack_outputs(cfn, stack_name: str) -> dict:
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def domain_lists(outputs: dict) -> dict:
    """The mini-program's 服务器域名 lists (mp.weixin.qq.com → 开发管理 → 开发设置) for a stack's outputs.

    request: the API, and the files domain for multipart parts (wx.request PUTs). uploadFile: the files domain
    (the presigned POST). downloadFile: the API (permanent file links) and the files domain they redirect to.
    socket: the realtime endpoint, once deployed.
    """
    api, files = _origin(outputs["ApiUrl"]), _origin(outputs["FilesUrl"])
    lists = {
        "request": [api, files],
        "uploadFile": [files],
        "downloadFile": [api, files],
        "socket": [_origin(outputs["RealtimeUrl"])] if outputs.get("RealtimeUrl") else [],
    }
    return {name: list(dict.fromkeys(domains)) for name, domains in lists.items()}


def report(outputs: dict) -> str:
    lines = [f"API URL: {outputs['ApiUrl']}", "", "Mini-program 服务器域名 (开发管理 → 开发设置):"]
    for name, domains in domain_lists(outputs).items():
        lines.append(f"  {name + ':':14}{'; '.join(domains) if domains else '(none yet)'}")
    problems = [d for ds in domain_lists(outputs).values() for d in ds if "amazonaws.com" in d]
    if problems:
        lines += ["", "Note: *.amazonaws.com hosts can't be listed (they are not your ICP-filed domains); set "
                      "apiDomain, realtimeDomain and filesDomain in the stage file (docs/production.md)."]
    dns = [(k, outputs[k]) for k in ("ApiDomainTarget", "RealtimeDomainTarget", "FilesDomainTarget") if outputs.get(k)]
    if dns:
        lines += ["", "DNS (CNAME):"] + [f"  {k.replace('Target', '')} → {v}" for k, v in dns]
    if outputs.get("EgressIp"):
        lines += ["", f"Egress IP for WeChat's IP allowlist (errcode 40164 until it is there): {outputs['EgressIp']}"]
    return "\n".join(lines)


def missing_secrets(ssm, stage: Stage) -> list:
    """The stage's SSM parameters that don't exist (checked in batches of 10, GetParameters' limit)."""
    names = [name for name, _, _ in stage.secret_parameters()]
    missing = []
    for i in range(0, len(names), 10):
        missing += ssm.get_parameters(Names=names[i:i + 10]).get("InvalidParameters", [])
    return missing


def preflight(session, stage: Stage) -> None:
    """Before packaging: credentials that work in the stage's region, and every secret in SSM."""
    session.client("sts").get_caller_identity()
    missing = missing_secrets(session.client("ssm"), stage)
    if missing:
        raise StageError(f"{len(missing)} secret(s) missing from SSM ({missing[0]}…): run "
                         f"`make secrets STAGE={stage.name}` first.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument("--out", default="out", help="where `make package` wrote sam.yaml and deployment.zip")
    parser.add_argument("--check", action="store_true",
                        help="only check the stage file, the AWS credentials and the stage's secrets")
    args = parser.parse_args(argv)
    return run(args.stage, lambda: _deploy(args))


def _deploy(args) -> int:
    import boto3

    stage = load(args.stage)
    session = boto3.session.Session(region_name=stage.region)
    if args.check:
        preflight(session, stage)
        print(f"infra/stages/{stage.name}.json: {len(stage.apps)} app(s), region {stage.region}, stack "
              f"{stage.stack_name}; credentials and secrets found")
        return 0
    template_url = upload_artifacts(session.client("s3"), stage, args.out)
    cfn = session.client("cloudformation")
    apply(cfn, stage, template_url)
    print(report(stack_outputs(cfn, stage.stack_name)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
