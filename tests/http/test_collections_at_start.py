"""The collections file is loaded when the app starts: one that can't load stops `make dev` and the Lambda's import
with one message naming the file, collection and field; a real PocketBase export starts and serves."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import requests

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXPORT = os.path.join(PROJECT_DIR, "tests", "exports", "fixtures", "pocketbase-0.40.6.json")
BAD = [{"name": "posts", "type": "base", "fields": [{"name": "t", "type": "nope"}]}]


def _env(collections, data_dir, port=0):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT_URL", "WXBASE_", "WECHAT_"))}
    env.update({"WXBASE_COLLECTIONS": str(collections), "WXBASE_DATA_DIR": str(data_dir), "PORT": str(port),
                "PYTHONUNBUFFERED": "1"})
    return env


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_file_that_cant_load_stops_the_dev_server_with_one_message(tmp_path):
    path = tmp_path / "collections.json"
    path.write_text(json.dumps(BAD))
    done = subprocess.run([sys.executable, "-m", "devserver"], cwd=PROJECT_DIR, capture_output=True, text=True,
                          env=_env(path, tmp_path / "data", _free_port()), timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"[wxbase] not starting: The collections file {path}: "
                                   "Collection posts, field t: unknown type 'nope'.")
    assert "[wxbase] API" not in done.stdout and not (tmp_path / "data").exists()  # nothing was started


def test_the_lambda_import_raises_naming_the_collection_and_field(tmp_path):
    path = tmp_path / "collections.json"
    for raw, expected in [
        (BAD, "Collection posts, field t: unknown type 'nope'."),
        ([{"name": "posts", "fields": [{"name": "boss", "type": "relation", "collectionId": "pbc_3142635823"}]}],
         "Collection posts, field boss: collectionId 'pbc_3142635823' names no collection in the file."),
    ]:
        path.write_text(json.dumps(raw))
        done = subprocess.run([sys.executable, "-c", "import app"], cwd=PROJECT_DIR, capture_output=True, text=True,
                              env=_env(path, tmp_path), timeout=60)
        assert done.returncode != 0
        last = done.stderr.strip().splitlines()[-1]
        assert last == f"chalicelib.records.schema.collections.SchemaError: The collections file {path}: {expected}"
    path.write_text("[{")
    done = subprocess.run([sys.executable, "-c", "import app"], cwd=PROJECT_DIR, capture_output=True, text=True,
                          env=_env(path, tmp_path), timeout=60)
    assert done.returncode != 0 and f"The collections file {path} is not valid JSON" in done.stderr


def test_a_real_export_starts_logs_what_it_ignores_and_enforces_its_unique_indexes(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "devserver"], cwd=PROJECT_DIR, env=_env(EXPORT, tmp_path, port),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                if requests.get(f"{url}/api/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.time() < deadline, "the dev server did not start"
            time.sleep(0.2)
        admin = {"Authorization": (tmp_path / "admin-key").read_text().strip()}
        body = {"name": "News", "slug": "news"}
        first = requests.post(f"{url}/api/collections/categories/records", json=body, headers=admin, timeout=10)
        assert first.status_code == 200, first.text
        again = requests.post(f"{url}/api/collections/categories/records", json=body, headers=admin, timeout=10)
        assert again.status_code == 400
        assert again.json()["data"] == {"slug": {"code": "validation_not_unique", "message": "Value must be unique."}}
        listed = requests.get(f"{url}/api/collections/categories/records", timeout=10).json()
        assert [i["slug"] for i in listed["items"]] == ["news"]
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    # JSON log lines; metric lines (CloudWatch's embedded format) carry no message
    logged = [e for e in (json.loads(line) for line in output.splitlines() if line.startswith("{")) if "message" in e]
    ignored = [(e["collection"], e["field"], e["option"]) for e in logged if e["message"] == "collections_option_ignored"]
    assert ignored == [("users", "nickname", "help"), ("categories", "name", "help"), ("posts", "title", "help")]
    assert any(e["message"] == "collections_system_ignored" for e in logged)
