"""A stage's settings live in infra/stages/<stage>.json alone: loaded and checked by infra/stage.py, turned into
exactly the template's parameters, with SSM names that the template, its IAM policies and `make secrets` share."""
import json
import os

import pytest

from chalicelib.core.settings import parse_apps
from infra.stage import StageError, load
from tests.production.cfn import PROJECT_DIR, load_template, render_sub

MINI = "wx0123456789abcdef"
OA = "wxfedcba9876543210"
CERT = "arn:aws:acm:{region}:123456789012:certificate/0a1b2c3d-0000-4000-8000-123456789abc"


def write_stage(tmp_path, name="prod", **overrides):
    stage = {"region": "ap-east-1", "stackName": f"wxbase-{name}", "artifactBucket": "my-artifacts",
             "apps": [{"appid": MINI, "type": "miniprogram", "callbackMaxAgeSeconds": 300},
                      {"appid": OA, "type": "officialaccount"}],
             "apiDomain": {"name": "", "certificateArn": "", "basePath": ""},
             "filesDomain": {"name": "", "certificateArn": "", "iamCertificateId": ""},
             "fixedEgressIp": False, "createCdn": False}
    stage.update(overrides)
    (tmp_path / f"{name}.json").write_text(json.dumps(stage))
    return str(tmp_path)


def test_the_shipped_stage_files_carry_placeholders_that_deploy_refuses():
    for name in ("prod", "dev"):
        with pytest.raises(StageError, match="is not an AppID"):
            load(name)


def test_apps_get_the_stage_secret_references_that_make_secrets_writes(tmp_path):
    stage = load("prod", write_stage(tmp_path), environ={})
    apps = json.loads(stage.parameters()["Apps"])
    assert apps[0] == {"appid": MINI, "type": "miniprogram", "callbackMaxAgeSeconds": 300,
                       "secret": f"ssm:/wxbase/prod/{MINI}/secret", "token": f"ssm:/wxbase/prod/{MINI}/token",
                       "encodingAESKey": f"ssm:/wxbase/prod/{MINI}/aes-key"}
    assert [a.appid for a in parse_apps(stage.parameters()["Apps"])] == [MINI, OA]  # what the functions will parse
    referenced = {v[len("ssm:"):] for app in apps for v in app.values() if isinstance(v, str) and v.startswith("ssm:")}
    written = {name for name, _, _ in stage.secret_parameters()}
    assert referenced | {"/wxbase/prod/jwt-secret", "/wxbase/prod/admin-keys", "/wxbase/prod/service-keys"} == written


def test_the_template_reads_the_same_ssm_names_and_may_read_only_its_stage(tmp_path):
    stage = load("prod", write_stage(tmp_path), environ={})
    template = load_template()
    env = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    names = {"Stage": stage.name}
    assert render_sub(env["WXBASE_JWT_SECRET"]["Sub"], names) == "ssm:" + stage.ssm_path("jwt-secret")
    assert render_sub(env["WXBASE_ADMIN_KEYS"]["Sub"], names) == "ssm:" + stage.ssm_path("admin-keys")
    assert env["WXBASE_APPS"] == {"Ref": "Apps"}
    grants = [s["Resource"]["Sub"] for r in template["Resources"].values() if r.get("Type") == "AWS::IAM::Policy"
              for s in r["Properties"]["PolicyDocument"]["Statement"] if "ssm:GetParameter" in str(s["Action"])]
    assert grants and all(g.endswith(":parameter/wxbase/${Stage}/*") for g in grants)
    assert all(name.startswith(stage.ssm_path() + "/") for name, _, _ in stage.secret_parameters())


def test_every_template_parameter_comes_from_the_stage_file(tmp_path):
    stage = load("prod", write_stage(tmp_path), environ={})
    assert set(stage.parameters()) == set(load_template()["Parameters"])
    assert stage.parameters()["FixedEgressIp"] == "false" and stage.parameters()["FilesDomainName"] == ""


def test_snap_start_is_off_unless_the_stage_file_turns_it_on(tmp_path):
    assert load("prod", write_stage(tmp_path), environ={}).parameters()["SnapStart"] == "false"
    assert load("prod", write_stage(tmp_path, snapStart=True), environ={}).parameters()["SnapStart"] == "true"


def test_domains_certificates_and_egress_reach_the_parameters(tmp_path):
    stage = load("prod", write_stage(
        tmp_path, apiDomain={"name": "API.example.com", "certificateArn": CERT.format(region="ap-east-1"),
                             "basePath": "/v1/"},
        filesDomain={"name": "files.example.com", "certificateArn": CERT.format(region="us-east-1")},
        fixedEgressIp=True), environ={"ARTIFACT_BUCKET": "from-env"})
    params = stage.parameters()
    assert params["ApiDomainName"] == "api.example.com" and params["ApiBasePath"] == "v1"
    assert params["FilesDomainName"] == "files.example.com" and params["FixedEgressIp"] == "true"
    assert stage.artifact_bucket == "from-env"
    china = load("prod", write_stage(tmp_path, region="cn-north-1",
                                     filesDomain={"name": "files.example.cn", "iamCertificateId": "ASCAEXAMPLE"}),
                 environ={})
    assert china.partition == "aws-cn" and china.parameters()["FilesIamCertificateId"] == "ASCAEXAMPLE"


@pytest.mark.parametrize("overrides,message", [
    ({"apps": [{"appid": MINI, "secret": "0123456789abcdef0123456789abcdef"}]}, "secret values never go in this file"),
    ({"apps": [{"appid": MINI, "token": "ssm:/wxbase/dev/x/token"}]}, "may read only /wxbase/prod/"),
    ({"apps": [{"appid": MINI, "type": "website"}]}, "type must be one of"),
    ({"apps": []}, "at least one WeChat app"),
    ({"region": "Hong Kong"}, "region must be an AWS region"),
    ({"apiDomain": {"name": "api.example.com"}}, "ACM certificate in ap-east-1"),
    ({"apiDomain": {"name": "api.example.com", "certificateArn": CERT.format(region="us-east-1")}},
     "ACM certificate in ap-east-1"),
    ({"filesDomain": {"name": "files.example.com", "certificateArn": CERT.format(region="ap-east-1")}},
     "in us-east-1"),
    ({"region": "cn-north-1", "filesDomain": {"name": "files.example.cn"}}, "IAM server certificate"),
    ({"region": "cn-north-1", "createCdn": True}, "createCdn is for global regions"),
    ({"fixedEgressIp": "yes"}, "true or false"),
    ({"snapStart": "on"}, "snapStart must be true or false"),
    ({"apps": [{"appid": MINI, "autoReplies": [{"keyword": "k" * 10, "reply": {"msgtype": "text",
                                                "text": {"content": "x" * 5000}}}]}]}, "leaves 3500"),
])
def test_mistakes_are_refused_with_what_to_change(tmp_path, overrides, message):
    with pytest.raises(StageError, match=message):
        load("prod", write_stage(tmp_path, **overrides), environ={})


def test_a_missing_stage_file_says_how_to_make_one(tmp_path):
    with pytest.raises(StageError, match="copy infra/stages/prod.json"):
        load("staging", str(tmp_path), environ={})


def test_chalice_config_no_longer_carries_apps_or_secret_paths():
    with open(os.path.join(PROJECT_DIR, ".chalice", "config.json")) as f:
        config = json.load(f)
    for name in ("dev", "prod"):
        env = config["stages"][name].get("environment_variables", {})
        assert not {"WXBASE_APPS", "WXBASE_JWT_SECRET", "WXBASE_ADMIN_KEYS"} & set(env)


def test_the_docs_name_the_ssm_parameters_the_deployment_uses():
    import glob
    import re

    texts = [open(p, encoding="utf-8").read() for p in [os.path.join(PROJECT_DIR, "README.md")]
             + glob.glob(os.path.join(PROJECT_DIR, "docs", "*.md"))]
    paths = {m for text in texts for m in re.findall(r"ssm:(/wxbase/[^\s\"`|]+)", text)}
    assert paths
    convention = re.compile(r"^/wxbase/(prod|<stage>)/"
                            r"(jwt-secret|admin-keys|service-keys|(wx[0-9a-f]{16}|<appid>)/(secret|token|aes-key)"
                            r"|pay/<mchid>/(private-key|api-v3-key|wechatpay-public-key))$")
    assert [p for p in paths if not convention.match(p)] == []


def test_merchants_become_the_merchants_parameter_with_every_key_in_ssm(tmp_path):
    from chalicelib.payments.merchants import parse

    (tmp_path / "shop.json").write_text(json.dumps({
        "region": "ap-east-1", "apps": [{"appid": MINI}],
        "merchants": [{"mchid": "1900000109", "appids": [MINI], "serialNo": "ABC123",
                       "publicKeyId": "PUB_KEY_ID_0119000001092024000000000000000"}]}))
    stage = load("shop", stages_dir=str(tmp_path))
    merchants = json.loads(stage.parameters()["Merchants"])
    assert merchants[0]["privateKey"] == "ssm:/wxbase/shop/pay/1900000109/private-key"
    assert merchants[0]["publicKey"] == "ssm:/wxbase/shop/pay/1900000109/wechatpay-public-key"
    assert parse(stage.parameters()["Merchants"])[0].appids == (MINI,)
    asked = [name for name, _, how in stage.secret_parameters() if how == "ask" and "/pay/" in name]
    assert asked == ["/wxbase/shop/pay/1900000109/private-key", "/wxbase/shop/pay/1900000109/api-v3-key",
                     "/wxbase/shop/pay/1900000109/wechatpay-public-key"]
    (tmp_path / "leak.json").write_text(json.dumps({
        "region": "ap-east-1", "apps": [{"appid": MINI}],
        "merchants": [{"mchid": "1900000109", "appids": [MINI], "serialNo": "ABC123",
                       "privateKey": "placeholder-key-pasted-inline", "platformCertificates": ["ssm:/wxbase/leak/c"]}]}))
    with pytest.raises(StageError) as refused:
        load("leak", stages_dir=str(tmp_path))
    assert "ssm:/wxbase/leak/" in str(refused.value) and "placeholder-key" not in str(refused.value)
