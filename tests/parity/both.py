"""The two servers of a parity run, started side by side with the same fixtures, and the driver that sends the
same cases to both through the official SDK (the corpus run and the fuzzer share them)."""
import contextlib
import json
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tests.parity import fixtures
from tests.parity.servers import PocketBaseServer, WxbaseServer

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTIONS = os.path.join(HERE, "collections.json")


def ensure_node_modules():
    if not os.path.isdir(os.path.join(HERE, "node_modules", "pocketbase")):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True, timeout=600)


def run_driver(url, actors, cases, workdir, name):
    source = os.path.join(workdir, f"{name}-input.json")
    target = os.path.join(workdir, f"{name}-answers.json")
    with open(source, "w") as f:
        json.dump({"url": url, "actors": actors, "cases": cases}, f)
    done = subprocess.run(["node", os.path.join(HERE, "driver.mjs"), source, target], cwd=HERE,
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"the driver failed against {name}:\n{done.stderr[-3000:]}")
    with open(target) as f:
        return json.load(f)


def actors_for(users, admin_token, admin_record):
    out = {"guest": None, "admin": {"token": admin_token, "record": admin_record}}
    for name, user in users.items():
        out[name] = {"token": user["token"], "record": user["record"]}
    return out


@dataclass
class Pair:
    pocketbase: PocketBaseServer
    wxbase: WxbaseServer
    users: dict  # wxbase's users (the same ids on both sides): the placeholders' values
    pb_users: dict
    workdir: str

    @property
    def version(self):
        return self.pocketbase.version

    def send(self, cases):
        """Every case to both servers at once: ({case id: answers} of PocketBase, of wxbase)."""
        with ThreadPoolExecutor(2) as pool:  # the two servers are independent
            pb_run = pool.submit(run_driver, self.pocketbase.url, actors_for(
                self.pb_users, self.pocketbase.superuser["token"], self.pocketbase.superuser["record"]), cases,
                self.workdir, "pocketbase")
            wx_run = pool.submit(run_driver, self.wxbase.url, actors_for(self.users, self.wxbase.admin_key, None),
                                 cases, self.workdir, "wxbase")
            return pb_run.result(), wx_run.result()


@contextlib.contextmanager
def servers(pocketbase_binary=None):
    """A real PocketBase and wxbase's dev server, each with the collections file, the users and the records."""
    ensure_node_modules()
    with tempfile.TemporaryDirectory(prefix="wxbase-parity-") as workdir:
        pocketbase = wxbase = None
        try:
            wxbase = WxbaseServer(workdir, COLLECTIONS)
            pocketbase = PocketBaseServer(workdir, pocketbase_binary)
            print(f"PocketBase {pocketbase.version} at {pocketbase.url}; wxbase at {wxbase.url}", flush=True)
            wx_users = fixtures.wxbase_users(wxbase)
            fixtures.pocketbase_collections(pocketbase, COLLECTIONS)
            fixtures.pocketbase_settings(pocketbase)
            pb_users = fixtures.pocketbase_users(pocketbase, wx_users)
            fixtures.wxbase_records(wxbase, wx_users)
            fixtures.pocketbase_records(pocketbase, pb_users)
            yield Pair(pocketbase, wxbase, wx_users, pb_users, workdir)
        finally:
            for server in (pocketbase, wxbase):
                if server:
                    server.stop()
