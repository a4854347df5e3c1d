"""The production options of infra/template.yaml, read as data: all off by default, each one wired as
docs/production.md describes (files distribution without origin access control, Host replaced by the origin's,
query strings forwarded, nothing cached; the WeChat-calling functions behind one NAT IP; partition-neutral ARNs)."""
import json
import os

from tests.production.cfn import TEMPLATE, load_template

# RecordStream runs the after hooks of functions/, which send WeChat messages; so may scheduled functions.
WECHAT_CALLERS = {"APIHandler", "CallbackWorker", "TokenRefresher", "SendSubscribeMessages", "RecordStream",
                  "FunctionsSchedule", "ReconcilePayments"}  # ReconcilePayments calls WeChat Pay
# Every Lambda of the package (Chalice's, merged with infra/template.yaml).
PYTHON_FUNCTIONS = {"APIHandler", "BackupExport", "CallbackWorker", "FunctionsSchedule", "ReconcilePayments",
                    "RecordStream", "SendSubscribeMessages", "SweepUploads", "TokenRefresher", "WebsocketConnect",
                    "WebsocketDisconnect", "WebsocketMessage"}
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"


def test_every_option_is_off_by_default():
    params = load_template()["Parameters"]
    assert params["FixedEgressIp"]["Default"] == "false" and params["CreateCdn"]["Default"] == "false"
    assert params["ApiDomainName"]["Default"] == "" and params["FilesDomainName"]["Default"] == ""


def test_option_resources_exist_only_under_their_condition():
    resources = load_template()["Resources"]
    by_condition = {}
    for name, resource in resources.items():
        by_condition.setdefault(resource.get("Condition"), set()).add(name)
    assert by_condition["WithApiDomain"] == {"ApiDomain", "ApiBasePathMapping"}
    assert by_condition["WithFilesDomain"] == {"FilesDistribution"}
    assert {"EgressVpc", "EgressNat", "EgressIp", "EgressDynamoDbEndpoint", "EgressS3Endpoint",
            "EgressSecurityGroup"} <= by_condition["WithFixedEgress"]
    assert all(name.startswith("Egress") for name in by_condition["WithFixedEgress"])


def test_files_distribution_passes_s3_authenticated_requests_through():
    config = load_template()["Resources"]["FilesDistribution"]["Properties"]["DistributionConfig"]
    origin, = config["Origins"]
    assert origin["DomainName"] == {"Sub": "${Bucket}.s3.${AWS::Region}.${AWS::URLSuffix}"}
    assert "OriginAccessControlId" not in origin and "S3OriginConfig" not in origin  # CloudFront adds no signature
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert config["Aliases"] == [{"Ref": "FilesDomainName"}]
    china, global_ = config["DefaultCacheBehavior"]["If"][1:]
    for behaviour in (china, global_):
        assert set(behaviour["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}
        assert behaviour["ViewerProtocolPolicy"] == "https-only"  # a redirect would turn the upload POST into a GET
    assert global_["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST and global_["CachePolicyId"] == CACHING_DISABLED
    assert china["ForwardedValues"]["QueryString"] is True and china["MaxTTL"] == 0  # legacy settings in aws-cn
    assert "Headers" not in china["ForwardedValues"]  # the Host header is not forwarded: CloudFront sets the origin's
    certificates = config["ViewerCertificate"]["If"][1:]
    assert certificates[0]["IamCertificateId"] == {"Ref": "FilesIamCertificateId"}
    assert certificates[1]["AcmCertificateArn"] == {"Ref": "FilesCertificateArn"}


def test_the_api_handler_presigns_on_the_files_domain():
    env = load_template()["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["WXBASE_FILES_DOMAIN"] == {"Ref": "FilesDomainName"}


def test_exactly_the_functions_that_call_wechat_leave_through_the_nat():
    resources = load_template()["Resources"]
    in_vpc = {name for name, r in resources.items() if "VpcConfig" in r.get("Properties", {})}
    assert in_vpc == WECHAT_CALLERS
    for name in WECHAT_CALLERS:
        condition, on, off = resources[name]["Properties"]["VpcConfig"]["If"]
        assert condition == "WithFixedEgress" and off == {"Ref": "AWS::NoValue"}
        assert on["SubnetIds"] == [{"Ref": "EgressSubnetA"}, {"Ref": "EgressSubnetB"}]
    roles = {name.replace("Role", "") for name, r in resources.items()
             if "ManagedPolicyArns" in r.get("Properties", {})}
    assert roles == {"ApiHandler" if n == "APIHandler" else n for n in WECHAT_CALLERS}
    routes = [r for r in resources.values() if r.get("Type") == "AWS::EC2::Route"]
    assert any(r["Properties"].get("NatGatewayId") == {"Ref": "EgressNat"} for r in routes)
    endpoints = {r["Properties"]["ServiceName"]["Sub"] for r in resources.values()
                 if r.get("Type") == "AWS::EC2::VPCEndpoint"}
    assert endpoints == {"com.amazonaws.${AWS::Region}.dynamodb", "com.amazonaws.${AWS::Region}.s3"}
    outputs = load_template()["Outputs"]
    assert outputs["EgressIp"] == {"Condition": "WithFixedEgress", "Description": outputs["EgressIp"]["Description"],
                                   "Value": {"Ref": "EgressIp"}}


def test_no_partition_or_domain_is_hard_coded():
    text = open(TEMPLATE, encoding="utf-8").read()
    assert "arn:aws:" not in text and "amazonaws.com" not in text
    assert "AWS::Partition" in text and "AWS::URLSuffix" in text
    assert "OriginAccessControl" not in json.dumps(load_template()["Resources"])  # no such type in aws-cn


def test_snap_start_is_an_option_on_every_functions_published_versions():
    template = load_template()
    assert template["Parameters"]["SnapStart"]["Default"] == "false"
    assert template["Conditions"]["WithSnapStart"] == {"Equals": [{"Ref": "SnapStart"}, "true"]}
    functions = PYTHON_FUNCTIONS & set(template["Resources"])
    assert functions == PYTHON_FUNCTIONS
    for name in sorted(functions):
        props = template["Resources"][name]["Properties"]
        assert props["AutoPublishAlias"] == "live", name  # SnapStart applies to published versions only
        assert props["SnapStart"] == {"If": ["WithSnapStart", {"ApplyOn": "PublishedVersions"},
                                             {"Ref": "AWS::NoValue"}]}, name


def test_the_apis_invoke_the_alias_that_snap_start_resumes():
    resources = load_template()["Resources"]
    assert resources["APIHandlerInvokePermission"]["Properties"]["FunctionName"] == {"Ref": "APIHandlerAliaslive"}
    for name in ("WebsocketConnect", "WebsocketDisconnect", "WebsocketMessage"):
        assert resources[f"{name}InvokePermission"]["Properties"]["FunctionName"] == {"Ref": f"{name}Aliaslive"}
        uri = resources[f"{name}APIIntegration"]["Properties"]["IntegrationUri"]["Sub"]
        assert uri.endswith(f"/functions/${{{name}Aliaslive}}/invocations")


def test_the_packaged_rest_api_invokes_the_alias(tmp_path):
    from infra.package import route_api_to_alias

    sam = tmp_path / "sam.yaml"
    sam.write_text('uri: !Sub "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/'
                   '${APIHandler.Arn}/invocations"\n', encoding="utf-8")
    route_api_to_alias(str(sam))
    assert sam.read_text(encoding="utf-8").endswith('/functions/${APIHandlerAliaslive}/invocations"\n')
    packaged = os.environ.get("WXBASE_PACKAGED_TEMPLATE")
    if packaged:  # make test-production: the real package has no route left on $LATEST
        text = open(packaged, encoding="utf-8").read()
        assert "${APIHandler.Arn}" not in text and "${APIHandlerAliaslive}" in text


def test_memory_sizes_are_the_ones_docs_costs_chose():
    """The API handler, which users wait on, gets 1024 MB (twice the CPU for its cold start); the workers keep
    Chalice's 512 MB (the backup export its own 1024 MB, for its size of work)."""
    resources = load_template()["Resources"]
    assert resources["APIHandler"]["Properties"]["MemorySize"] == 1024
    sized = {name for name in PYTHON_FUNCTIONS if "MemorySize" in resources[name]["Properties"]}
    assert sized == {"APIHandler", "BackupExport"}
