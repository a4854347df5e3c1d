"""The realtime WebSocket API in the deployment template: Chalice generates the API, its routes, integrations and
stage from app.py's handlers; the merge template gives its functions least-privilege access and the URL."""
from tests.package.test_template import load_template


def _statements(resources, role):
    return [s for r in resources.values() if r.get("Type") == "AWS::IAM::Policy"
            and r["Properties"]["Roles"] == [{"Ref": role}] for s in r["Properties"]["PolicyDocument"]["Statement"]]


def test_the_app_declares_the_three_websocket_routes():
    import app

    assert sorted(app.app.websocket_handlers) == ["$connect", "$default", "$disconnect"]
    assert "WEBSOCKETS" in app.app.experimental_feature_flags


def test_only_the_message_handler_and_the_stream_consumer_post_to_connections_of_this_api():
    resources = load_template()["Resources"]
    posting = {}
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::IAM::Policy":
            continue
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if any(a.startswith("execute-api:") for a in actions):
                assert actions == ["execute-api:ManageConnections"]
                arn = statement["Resource"]["Sub"]
                assert "${WebsocketAPI}/*/POST/@connections/*" in arn and "${AWS::Partition}" in arn
                posting[name] = resource["Properties"]["Roles"]
    assert posting == {"RecordStreamAccess": [{"Ref": "RecordStreamRole"}],
                       "WebsocketMessageAccess": [{"Ref": "WebsocketMessageRole"}]}


def test_websocket_functions_reach_only_what_they_use():
    resources = load_template()["Resources"]
    table = {"GetAtt": "Table.Arn"}
    connect = _statements(resources, "WebsocketConnectRole")
    assert [(s["Action"], s["Resource"]) for s in connect] == [("dynamodb:PutItem", table)]
    disconnect = _statements(resources, "WebsocketDisconnectRole")
    assert [(sorted(s["Action"]), s["Resource"]) for s in disconnect] == [
        (["dynamodb:DeleteItem", "dynamodb:Query"], table)]
    message = _statements(resources, "WebsocketMessageRole")
    data = next(s for s in message if s["Sid"] == "ConnectionsAndSubscriptions")
    assert data["Resource"] == table and "dynamodb:Scan" not in data["Action"]
    for name in ("WebsocketConnect", "WebsocketMessage", "WebsocketDisconnect"):
        assert resources[name]["Properties"]["Environment"]["Variables"]["WXBASE_TABLE"] == {"Ref": "Table"}


def test_the_api_and_the_stream_consumer_know_the_websocket_url():
    resources = load_template()["Resources"]
    url = "wss://${WebsocketAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${WebsocketAPIStage}"
    # the team's own domain when the stage names one (tests/production/test_template_realtime_domain.py)
    wanted = {"If": ["WithRealtimeDomain", {"Sub": "wss://${RealtimeDomainName}"}, {"Sub": url}]}
    for name in ("APIHandler", "RecordStream"):
        assert resources[name]["Properties"]["Environment"]["Variables"]["WXBASE_REALTIME_URL"] == wanted
    assert load_template()["Outputs"]["RealtimeUrl"]["Value"] == wanted
