"""The official PocketBase JS SDK (npm `pocketbase` 0.28) drives the records API over real HTTP."""
import json
import os
import shutil
import subprocess

import pytest

from tests.records_helpers import user

SDK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sdk")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_pocketbase_js_sdk_against_live_server(live, _live_server):
    if not os.path.isdir(os.path.join(SDK_DIR, "node_modules", "pocketbase")):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=SDK_DIR, check=True, capture_output=True,
                       timeout=300)
    alice, bob = user(live, "sdk"), user(live, "sdk")
    env = {**os.environ, "WXBASE_URL": _live_server.url, "TOKEN_A": alice["token"], "USER_A": alice["id"],
           "TOKEN_B": bob["token"], "USER_B": bob["id"]}
    done = subprocess.run(["node", "records.mjs"], cwd=SDK_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-1000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"ok": True, "checked": 3}
