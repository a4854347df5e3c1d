"""make dev's server (`python -m devserver`, what `make dev` runs) as a subprocess in its own process group, on
random free ports, with a data folder of the test's own."""
import os
import signal
import socket
import subprocess
import sys
import time

import boto3
import requests
from botocore.config import Config

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APPID = "wxsandbox00000001"  # devserver/stack.py DEFAULT_APPS


def free_ports(count):
    sockets, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


def port_is_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
            return True
        except OSError:
            return False


def engine_pids(dynamodb_port):
    """Pids of DynamoDB Local processes serving `dynamodb_port`."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if b"DynamoDBLocal.jar" in b" ".join(argv) and str(dynamodb_port).encode() in argv:
            found.append(int(pid))
    return found


class DevServer:
    def __init__(self, data_dir, log_path, env=None):
        self.data_dir = str(data_dir)
        self.log_path = str(log_path)
        self.port, self.s3_port, self.sandbox_port, self.dynamodb_port = free_ports(4)
        self.extra_env = dict(env or {})
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def sandbox(self):
        return f"http://127.0.0.1:{self.sandbox_port}"

    def environment(self):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AWS_", "WXBASE_", "WECHAT_")) and k not in ("HOST", "PUBLIC_HOST")}
        env.update({"PORT": str(self.port), "S3_PORT": str(self.s3_port), "SANDBOX_PORT": str(self.sandbox_port),
                    "DYNAMODB_PORT": str(self.dynamodb_port), "WXBASE_DATA_DIR": self.data_dir,
                    "PYTHONUNBUFFERED": "1", "WXBASE_RATE_LIMITS": "[]"})  # test scripts, not people
        env.update(self.extra_env)
        return env

    def start(self, timeout=60):
        """Starts and waits for /api/health; returns the seconds it took."""
        started = time.monotonic()
        log = open(self.log_path, "a")
        self.process = subprocess.Popen([sys.executable, "-m", "devserver"], cwd=PROJECT_DIR, env=self.environment(),
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise AssertionError(f"dev server exited ({self.process.returncode}): {self.output()[-3000:]}")
            try:
                if requests.get(self.url + "/api/health", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except requests.RequestException:
                time.sleep(0.05)
        self.kill()
        raise AssertionError("dev server did not answer /api/health: " + self.output()[-3000:])

    def output(self):
        with open(self.log_path) as f:
            return f.read()

    def signal_group(self, signum):
        os.killpg(self.process.pid, signum)

    def wait(self, timeout):
        return self.process.wait(timeout)

    def kill(self):
        """kill -9 of the whole process group; the engines (own groups) must die with it."""
        if self.process and self.process.poll() is None:
            self.signal_group(signal.SIGKILL)
            self.process.wait(10)
        self.wait_engines_gone()

    def stop(self, signum=signal.SIGINT, timeout=10):
        """A signal to the whole group (what the terminal sends); returns (exit code, seconds to exit)."""
        started = time.monotonic()
        self.signal_group(signum)
        code = self.process.wait(timeout)
        elapsed = time.monotonic() - started
        self.wait_engines_gone()
        return code, elapsed

    def wait_engines_gone(self, seconds=10):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not engine_pids(self.dynamodb_port) and port_is_free(self.dynamodb_port):
                return
            time.sleep(0.05)
        raise AssertionError(f"DynamoDB Local outlived the dev server: pids {engine_pids(self.dynamodb_port)}")

    def admin_key(self):
        with open(os.path.join(self.data_dir, "admin-key")) as f:
            return f.read().strip()

    def s3(self):
        return boto3.client("s3", endpoint_url=f"http://127.0.0.1:{self.s3_port}", region_name="us-east-1",
                            aws_access_key_id="local", aws_secret_access_key="local",
                            config=Config(signature_version="s3v4", retries={"max_attempts": 1}))

    def login(self, name):
        reply = requests.post(self.url + "/api/wechat/login", json={"code": f"sandbox-{name}", "appid": APPID},
                              timeout=10)
        assert reply.status_code == 200, reply.text
        return reply.json()
