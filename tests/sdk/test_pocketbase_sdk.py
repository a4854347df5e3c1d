"""The official PocketBase JS SDK (npm `pocketbase` 0.28) drives wxbase over real HTTP: WeChat sign-in through
authWithOAuth2Code, authRefresh, and the records API."""
import json
import os
import shutil
import subprocess

import pytest

from tests.records_helpers import user
from tests.stackenv import APP1

SDK_DIR = os.path.dirname(os.path.abspath(__file__))

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def run_script(script, env):
    if not os.path.isdir(os.path.join(SDK_DIR, "node_modules", "pocketbase")):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=SDK_DIR, check=True, capture_output=True,
                       timeout=300)
    done = subprocess.run(["node", script], cwd=SDK_DIR, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-1000:]
    return done.stdout.strip().splitlines()[-1]


def test_pocketbase_js_sdk_against_live_server(live, _live_server):
    alice, bob = user(live, "sdk"), user(live, "sdk")
    out = run_script("records.mjs", {"WXBASE_URL": _live_server.url, "TOKEN_A": alice["token"],
                                     "USER_A": alice["id"], "TOKEN_B": bob["token"], "USER_B": bob["id"]})
    assert json.loads(out) == {"ok": True, "checked": 3}


def test_pocketbase_js_sdk_signs_in_with_a_wechat_code(live, _live_server):
    assert run_script("auth.mjs", {"WXBASE_URL": _live_server.url, "APPID": APP1}) == "ok"


def test_pocketbase_js_sdk_reads_request_logs(live, _live_server, monkeypatch):
    import uuid

    from tests.stackenv import ADMIN_KEY

    monkeypatch.setenv("WXBASE_LOGS_DAYS", "5")  # the test stack runs without request logs (tests/stackenv.py)

    probe = uuid.uuid4().hex
    alice = user(live, "sdk")
    assert live.get(f"/api/collections/posts/records?probe={probe}").status == 200
    assert live.get(f"/api/collections/nothing/records?probe={probe}").status == 404
    assert run_script("logs.mjs", {"WXBASE_URL": _live_server.url, "ADMIN_KEY": ADMIN_KEY, "PROBE": probe,
                                   "TOKEN_A": alice["token"], "USER_A": alice["id"]}) == "ok"
