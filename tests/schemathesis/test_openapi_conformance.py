"""schemathesis against make dev's server (`python -m devserver` on free ports, its own data folder), as a guest, a
signed-in user and an admin: every answer is not a 5xx and matches the OpenAPI document (status, content type,
headers, body schema). Bounded to about two minutes on two cores: fuzzing draws SCHEMATHESIS_EXAMPLES cases per
operation for each role (about 400-700 a role), and the coverage phase (each schema's boundaries, wrong types,
missing values and unsupported methods, about 1,400 cases) runs once, as the user, who reaches the most code; a
fixed seed unless SCHEMATHESIS_SEED says otherwise. `make test-schemathesis` runs it (WXBASE_SCHEMATHESIS=1)."""
import os
import subprocess
import sys
import time

import pytest
import requests

from tests.devstack.devproc import APPID, PROJECT_DIR, DevServer

pytestmark = pytest.mark.skipif(not os.environ.get("WXBASE_SCHEMATHESIS"),
                                reason="set WXBASE_SCHEMATHESIS=1 (make test-schemathesis)")

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))
PHASES = {"guest": "fuzzing", "user": "coverage,fuzzing", "admin": "fuzzing"}
EXAMPLES_FACTOR = {"guest": 1, "user": 1, "admin": 2}  # the admin passes every door: more cases reach code
SEED = os.environ.get("SCHEMATHESIS_SEED", "20261122")
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
          "response_schema_conformance")
# what a role's run leaves out: the user's own sign-out would end the session the rest of the run needs
EXCLUDED = {"guest": [], "user": ["/api/collections/users/sign-out-everywhere"], "admin": []}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("schemathesis")
    dev = DevServer(folder / "data", folder / "devserver.log")
    dev.start(timeout=120)
    try:
        yield dev
    finally:
        dev.stop()


def _send(dev, method, path, token=None, **kw):
    headers = {"Authorization": token} if token else {}
    reply = requests.request(method, dev.url + path, headers=headers, timeout=30, **kw)
    assert reply.status_code < 400, (method, path, reply.status_code, reply.text[:300])
    return reply.json() if reply.content else None


@pytest.fixture(scope="module")
def credentials(server):
    """A user with a phone, records of every shipped collection (public and not, a file, a relation), so that
    lists, views and expands answer real records for the schemas to be checked against."""
    admin = server.admin_key()
    user = server.login("schemathesis")
    token, user_id = user["token"], user["record"]["id"]
    _send(server, "POST", "/api/wechat/phone", token, json={"code": "sandbox-phone-13900000001"})
    other = server.login("schemathesis-other")
    posts = [_send(server, "POST", "/api/collections/posts/records", token,
                   json={"title": f"post {i}", "status": "published" if i % 2 else "draft", "owner": user_id,
                         "tags": ["news"] if i % 2 else [], "views": i, "content": f"<p>post {i}</p>"})
             for i in range(4)]
    for post in posts:
        _send(server, "POST", "/api/collections/comments/records", token,
              json={"post": post["id"], "author": user_id, "text": "a comment"})
    _send(server, "POST", "/api/collections/favourites/records", other["token"],
          json={"user": other["record"]["id"], "post": posts[1]["id"], "note": "liked"})
    _send(server, "POST", "/api/wechat/subscribe-messages", token,
          json={"template_id": "tpl", "data": {"thing1": {"value": "later"}}, "sendAt": int(time.time()) + 86400})
    return {"guest": None, "user": token, "admin": admin}


@pytest.mark.parametrize("role", ["guest", "user", "admin"])
def test_every_answer_matches_the_document(server, credentials, role, tmp_path):
    command = [os.path.join(os.path.dirname(sys.executable), "st"), "run", server.url + "/api/openapi.json",
               "--checks", CHECKS, "--phases", PHASES[role], "-n", str(EXAMPLES * EXAMPLES_FACTOR[role]), "--seed", SEED,
               "--generation-database", "none", "--no-color", "--workers", "2", "--request-timeout", "30",
               "--report", "junit", "--report-dir", str(tmp_path)]
    if credentials[role]:
        command += ["-H", f"Authorization: {credentials[role]}"]
    for path in EXCLUDED[role]:
        command += ["--exclude-path", path]
    started = time.monotonic()
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.schemathesis.hooks", "PYTHONPATH": PROJECT_DIR}
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=PROJECT_DIR, env=env)
    summary = run.stdout[run.stdout.rfind("SUMMARY"):] if "SUMMARY" in run.stdout else run.stdout[-3000:]
    print(f"schemathesis as {role}: {time.monotonic() - started:.0f} s\n{summary}")
    alive = server.process.poll() is None
    assert run.returncode == 0 and alive, (run.stdout[-20000:] + run.stderr[-3000:]
                                           + "\n--- dev server log ---\n" + server.output()[-6000:])
    assert "Tested:" in run.stdout and APPID  # it ran operations
