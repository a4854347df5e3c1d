"""The official PocketBase JS SDK calls the deployment's functions with `pb.send('/api/functions/name', …)`."""
from tests import functions_fixture  # noqa: F401  (registers the test-only functions)
from tests.sdk.test_pocketbase_sdk import pytestmark, run_script  # noqa: F401  (skipped without node)
from tests.stackenv import APP2


def test_pb_send_calls_functions(live, _live_server):
    login = live.login("sdk-functions", APP2)
    out = run_script("functions.mjs", {"WXBASE_URL": _live_server.url, "APPID": APP2, "TOKEN": login["token"],
                                       "USER": login["record"]["id"]})
    assert out == "ok"
