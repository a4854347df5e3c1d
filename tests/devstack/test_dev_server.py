"""make dev's server as a user meets it: stops fast whatever the data size, restarts fast, runs the scheduled
functions on their own, keeps queued pushes and upload URLs across restarts, says which port is taken."""
import os
import signal
import socket
import subprocess
import sys
import time

import boto3
import requests

from devserver.stack import DEFAULT_APPS
from tests.devstack.devproc import APPID, PROJECT_DIR, DevServer, free_ports
from tests.pushing import Pusher

SEEDED = 10_000


def wait_for(fn, seconds, step=0.5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {seconds} s")


def seed(dynamodb_port, count):
    """`count` items straight into DynamoDB Local's table (the data size is what matters here, not their kind)."""
    client = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{dynamodb_port}", region_name="us-east-1",
                          aws_access_key_id="seed", aws_secret_access_key="seed")
    filler = "x" * 400
    for start in range(0, count, 25):
        batch = [{"PutRequest": {"Item": {"pk": {"S": f"SEED#{i}"}, "sk": {"S": "#"}, "v": {"S": filler}}}}
                 for i in range(start, min(count, start + 25))]
        pending = {"wxbase": batch}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or None


def test_ctrl_c_is_fast_whatever_the_data_size_and_restart_is_fast(tmp_path):
    server = DevServer(tmp_path / "data", tmp_path / "dev.log")
    server.start()
    try:
        seed(server.dynamodb_port, SEEDED)
        alice = server.login("big-data")
        code, seconds = server.stop(signal.SIGINT)
        assert code == 0 and seconds < 3, (code, seconds)
        startup = server.start()
        assert startup < 10, f"restart took {startup:.1f} s to answer /api/health"
        again = server.login("big-data")
        assert again["record"]["id"] == alice["record"]["id"] and again["meta"]["isNew"] is False
        code, seconds = server.stop(signal.SIGTERM)
        assert code == 0 and seconds < 3, (code, seconds)
    finally:
        server.kill()
    assert os.path.getsize(tmp_path / "data" / "dynamodb" / "shared-local-instance.db") > SEEDED * 400


def test_scheduled_subscribe_message_is_sent_on_its_own_and_survives_a_restart(tmp_path):
    server = DevServer(tmp_path / "data", tmp_path / "dev.log")
    server.start()
    try:
        me = server.login("scheduled")
        admin = {"Authorization": server.admin_key()}
        due = time.time() + 60
        reply = requests.post(server.url + "/api/wechat/subscribe-messages", headers=admin, timeout=10,
                              json={"appid": APPID, "user": me["record"]["id"], "template_id": "tpl",
                                    "data": {"thing1": {"value": "hi"}}, "sendAt": due})
        assert reply.status_code == 202, reply.text
        message = f"{server.url}/api/wechat/subscribe-messages/{reply.json()['id']}"
        code, _ = server.stop(signal.SIGINT)  # a restart while it is queued
        assert code == 0
        server.start()
        assert requests.get(message, headers=admin, timeout=10).json()["status"] == "queued"
        sent = wait_for(lambda: requests.get(server.sandbox + "/sandbox/sent", params={"appid": APPID},
                                             timeout=5).json(), seconds=150, step=1)
        assert time.time() >= due - 1
        assert sent[0]["api"] == "subscribe" and sent[0]["body"]["touser"] == me["meta"]["openid"]
        assert requests.get(message, headers=admin, timeout=10).json()["status"] == "sent"
    finally:
        server.kill()


def push(server, text, msg_id):
    # make dev's apps have an EncodingAESKey, so they take encrypted (safe mode) pushes only
    message = {"ToUserName": "gh_x", "FromUserName": "odevuser", "CreateTime": int(time.time()), "MsgType": "text",
               "Content": text, "MsgId": msg_id}
    path, body, headers = Pusher(DEFAULT_APPS[0]).push(message)
    reply = requests.post(server.url + path, data=body.encode(), headers=headers, timeout=10)
    assert reply.status_code == 200 and reply.text == "success"


def test_an_accepted_push_survives_kill_9_before_it_is_processed(tmp_path):
    server = DevServer(tmp_path / "data", tmp_path / "dev.log")
    server.start()
    try:
        # WeChat fails every customer-service send, so the queued push stays unfinished on the queue
        requests.post(server.sandbox + "/sandbox/fail", json={"path": "/cgi-bin/message/custom/send",
                                                              "errcode": 45015, "times": 1000}, timeout=5)
        push(server, "hello", 9001)
        wait_for(lambda: requests.get(server.sandbox + "/sandbox/calls", params={"path": "/cgi-bin/message/custom/send"},
                                      timeout=5).json()["/cgi-bin/message/custom/send"] >= 1, seconds=20, step=0.1)
        server.kill()
        server.start()  # a fresh sandbox that fails nothing: the push is sent again from the journal
        sent = wait_for(lambda: requests.get(server.sandbox + "/sandbox/sent", params={"appid": APPID},
                                             timeout=5).json(), seconds=30)
        assert sent[0]["body"]["touser"] == "odevuser" and sent[0]["body"]["text"]["content"] == "Hi from wxbase!"
        push(server, "hello", 9002)  # and the queue keeps working after the replay
        wait_for(lambda: len(requests.get(server.sandbox + "/sandbox/sent", params={"appid": APPID},
                                          timeout=5).json()) == 2, seconds=30)
        time.sleep(3)  # a finished push is not sent again
        assert len(requests.get(server.sandbox + "/sandbox/sent", params={"appid": APPID}, timeout=5).json()) == 2
    finally:
        server.kill()


def test_upload_url_issued_before_a_restart_still_works(tmp_path):
    server = DevServer(tmp_path / "data", tmp_path / "dev.log")
    server.start()
    try:
        me = server.login("uploader")
        auth = {"Authorization": me["token"]}
        up = requests.post(server.url + "/api/files/upload", headers=auth, timeout=10,
                           json={"collection": "posts", "field": "cover", "filename": "a.png", "size": 4,
                                 "contentType": "image/png"}).json()
        assert up["url"].startswith(f"http://127.0.0.1:{server.s3_port}/")
        server.stop(signal.SIGINT)
        server.start()
        sent = requests.post(up["url"], data=up["fields"], files={"file": ("f", b"\x89PNG", "image/png")}, timeout=10)
        assert sent.status_code == 204, sent.text
        created = requests.post(server.url + "/api/collections/posts/records", headers=auth, timeout=10,
                                json={"id": up["recordId"], "title": "t", "cover": up["name"], "status": "published"})
        assert created.status_code == 200, created.text
        link = requests.get(f"{server.url}/api/files/posts/{up['recordId']}/{up['name']}", timeout=10)
        assert link.status_code == 200 and link.content == b"\x89PNG"  # followed the redirect to the disk S3
    finally:
        server.kill()


def run_expecting_failure(env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WXBASE_", "WECHAT_"))}
    done = subprocess.run([sys.executable, "-m", "devserver"], cwd=PROJECT_DIR, env={**clean, **env},
                          capture_output=True, text=True, timeout=30)
    return done.returncode, (done.stdout + done.stderr).strip()


def test_a_taken_port_is_one_line_naming_the_variable(tmp_path):
    ports = dict(zip(("PORT", "S3_PORT", "SANDBOX_PORT", "DYNAMODB_PORT"), map(str, free_ports(4))))
    for variable in ports:
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", int(ports[variable])))
            busy.listen()
            code, output = run_expecting_failure({**ports, "WXBASE_DATA_DIR": str(tmp_path)})
        assert code == 2
        assert len(output.splitlines()) == 1 and "Traceback" not in output, output
        assert f"set {variable} to another port" in output and ports[variable] in output
    code, output = run_expecting_failure({**ports, "PORT": "eighty", "WXBASE_DATA_DIR": str(tmp_path)})
    assert code == 2 and output == "[wxbase] PORT=eighty is not a port number"
    code, output = run_expecting_failure({**ports, "HOST": "10.254.254.254", "WXBASE_DATA_DIR": str(tmp_path)})
    assert code == 2 and "HOST=10.254.254.254 is not an address of this machine" in output


def test_host_0_0_0_0_listens_everywhere_and_hands_out_the_public_address(tmp_path):
    server = DevServer(tmp_path / "data", tmp_path / "dev.log", env={"HOST": "0.0.0.0", "PUBLIC_HOST": "127.0.0.2"})
    server.start()
    try:
        # 127.0.0.2 is another address of this machine: reachable only because the API listens on all of them
        assert requests.get(f"http://127.0.0.2:{server.port}/api/health", timeout=5).status_code == 200
        me = server.login("lan-phone")
        up = requests.post(server.url + "/api/files/upload", headers={"Authorization": me["token"]}, timeout=10,
                           json={"collection": "posts", "field": "cover", "filename": "a.png", "size": 4,
                                 "contentType": "image/png"}).json()
        assert up["url"].startswith(f"http://127.0.0.2:{server.s3_port}/")
        sent = requests.post(up["url"], data=up["fields"], files={"file": ("f", b"\x89PNG", "image/png")}, timeout=10)
        assert sent.status_code == 204, sent.text
        assert f"http://127.0.0.2:{server.port}/api/health" in server.output()
        for private in (server.sandbox_port, server.dynamodb_port):  # these stay on 127.0.0.1 only
            with socket.socket() as probe:
                assert probe.connect_ex(("127.0.0.2", private)) != 0
            with socket.socket() as probe:
                assert probe.connect_ex(("127.0.0.1", private)) == 0
    finally:
        server.kill()


def test_ctrl_c_delivered_to_any_thread_stops_it(tmp_path):
    """The kernel hands a process-directed signal to any of its threads; make dev must stop whichever gets it."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    server = DevServer(tmp_path / "data", tmp_path / "dev.log")
    try:
        for signum in (signal.SIGINT, signal.SIGHUP):
            server.start()
            pid = server.process.pid
            others = sorted(int(t) for t in os.listdir(f"/proc/{pid}/task") if int(t) != pid)
            assert others, "make dev runs its servers on threads"
            started = time.monotonic()
            assert libc.tgkill(pid, others[-1], signum) == 0, ctypes.get_errno()
            assert server.wait(5) == 0
            assert time.monotonic() - started < 3
            server.wait_engines_gone()
    finally:
        server.kill()
