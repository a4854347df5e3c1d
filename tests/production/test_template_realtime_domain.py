"""The realtime WebSocket API on the team's own domain: a regional custom domain with the API's stage mapped on it,
the URL clients get (GET /api/realtime, the RealtimeUrl output) on that domain, replies still sent to the
execute-api host, the stage file's realtimeDomain reaching the parameters, and make deploy listing the socket domain
and its DNS target."""
import pytest

from infra import deploy
from infra.stage import StageError, load
from tests.production.cfn import load_template
from tests.production.test_stage_config import CERT, write_stage

EXECUTE_API = "wss://${WebsocketAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${WebsocketAPIStage}"


def test_the_domain_and_its_mapping_exist_only_when_named():
    template = load_template()
    assert template["Parameters"]["RealtimeDomainName"]["Default"] == ""
    resources = template["Resources"]
    on = {name for name, r in resources.items() if r.get("Condition") == "WithRealtimeDomain"}
    assert on == {"RealtimeDomain", "RealtimeApiMapping"}
    domain = resources["RealtimeDomain"]["Properties"]
    assert domain["DomainName"] == {"Ref": "RealtimeDomainName"}
    config, = domain["DomainNameConfigurations"]
    assert config == {"CertificateArn": {"Ref": "RealtimeCertificateArn"}, "EndpointType": "REGIONAL",
                      "SecurityPolicy": "TLS_1_2"}
    mapping = resources["RealtimeApiMapping"]["Properties"]
    assert mapping == {"DomainName": {"Ref": "RealtimeDomain"}, "ApiId": {"Ref": "WebsocketAPI"},
                       "Stage": {"Ref": "WebsocketAPIStage"}}


def test_clients_get_the_domain_and_replies_go_to_the_execute_api_host():
    template = load_template()
    wanted = {"If": ["WithRealtimeDomain", {"Sub": "wss://${RealtimeDomainName}"}, {"Sub": EXECUTE_API}]}
    assert template["Outputs"]["RealtimeUrl"]["Value"] == wanted
    assert template["Outputs"]["RealtimeDomainTarget"]["Value"] == {"GetAtt": "RealtimeDomain.RegionalDomainName"}
    users = [name for name, r in template["Resources"].items()
             if "WXBASE_REALTIME_URL" in r.get("Properties", {}).get("Environment", {}).get("Variables", {})]
    assert set(users) == {"APIHandler", "RecordStream"}
    for name in users:
        env = template["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert env["WXBASE_REALTIME_URL"] == wanted
        assert env["WXBASE_REALTIME_MANAGEMENT_URL"] == {"Sub": "https" + EXECUTE_API[len("wss"):]}


def test_the_stage_file_names_the_domain(tmp_path):
    stage = load("prod", write_stage(tmp_path, realtimeDomain={
        "name": "Live.example.com", "certificateArn": CERT.format(region="ap-east-1")}), environ={})
    assert stage.parameters()["RealtimeDomainName"] == "live.example.com"
    assert stage.parameters()["RealtimeCertificateArn"] == CERT.format(region="ap-east-1")


@pytest.mark.parametrize("realtime,message", [
    ({"name": "live.example.com"}, "ACM certificate in ap-east-1"),
    ({"name": "live.example.com", "certificateArn": CERT.format(region="us-east-1")}, "ACM certificate in ap-east-1"),
    ({"certificateArn": CERT.format(region="ap-east-1")}, "needs realtimeDomain.name"),
])
def test_a_wrong_realtime_domain_is_refused(tmp_path, realtime, message):
    with pytest.raises(StageError, match=message):
        load("prod", write_stage(tmp_path, realtimeDomain=realtime), environ={})


def test_make_deploy_lists_the_socket_domain_and_its_dns_target():
    printed = deploy.report({"ApiUrl": "https://api.example.com", "FilesUrl": "https://files.example.com",
                             "RealtimeUrl": "wss://live.example.com",
                             "RealtimeDomainTarget": "d-xyz.execute-api.ap-east-1.amazonaws.com"})
    assert "socket:       wss://live.example.com" in printed
    assert "RealtimeDomain → d-xyz.execute-api.ap-east-1.amazonaws.com" in printed
    assert "can't be listed" not in printed
