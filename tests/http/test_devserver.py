"""`make dev`'s server: serves, logs in `sandbox-alice` over HTTP, and keeps local data across a restart."""
import os
import signal
import socket
import subprocess
import sys
import time

import requests

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(data_dir, port):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT_URL", "WXBASE_", "WECHAT_"))}
    env.update({"PORT": str(port), "WXBASE_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})
    for name in ("S3_PORT", "SANDBOX_PORT", "DYNAMODB_PORT"):  # make dev's fixed defaults may be in use here
        env.setdefault(name, str(_free_port()))
    proc = subprocess.Popen([sys.executable, "-m", "devserver"], cwd=PROJECT_DIR, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except requests.ConnectionError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise AssertionError("dev server exited: " + proc.stdout.read())
    proc.kill()
    raise AssertionError("dev server did not start")


def _stop(proc):
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    return output


def _login(port):
    reply = requests.post(f"http://127.0.0.1:{port}/api/wechat/login",
                          json={"code": "sandbox-alice", "appid": "wxsandbox00000001"}, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_dev_server_keeps_users_across_restart(tmp_path):
    port = _free_port()
    proc = _start(tmp_path, port)
    try:
        first = _login(port)
        assert first["meta"]["isNew"] is True
    finally:
        output = _stop(proc)
    assert f"http://127.0.0.1:{port}/api/health" in output
    secret_files = [(tmp_path / name).read_text() for name in ("jwt-secret", "admin-key")]
    assert not any(value in output for value in secret_files)

    proc = _start(tmp_path, port)
    try:
        second = _login(port)
        refreshed = requests.post(f"http://127.0.0.1:{port}/api/collections/users/auth-refresh",
                                  headers={"Authorization": first["token"]}, timeout=10)
    finally:
        _stop(proc)
    assert second["meta"]["isNew"] is False
    assert second["record"]["id"] == first["record"]["id"]
    assert refreshed.status_code == 200  # the dev JWT secret is kept too
