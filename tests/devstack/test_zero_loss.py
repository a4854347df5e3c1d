"""Nothing make dev answered is lost: writers create records with files, bump counters and delete files over HTTP
while the whole process group is killed (-9) at random moments, hung up (SIGHUP) and interrupted (Ctrl-C). After
every restart each answered write is there, and every record's file exists with the right content."""
import hashlib
import random
import signal
import threading
import time

import requests

from tests.devstack.devproc import DevServer

BUCKET = "wxbase-files"  # the dev server's default (chalicelib/core/settings.py)
WRITERS = 3
MAX_WRITES_PER_WRITER = 400


def content_for(title):
    """The file bytes of a record, derived from its title, so even an unanswered create can be checked."""
    return hashlib.sha256(title.encode()).digest() * 32 + title.encode()


class Ledger:
    """What the server answered, by kind."""

    def __init__(self):
        self.lock = threading.Lock()
        self.records = {}  # record id -> {"title", "cover", "key", "bumps", "cover_deleted"}
        self.uploads = {}  # object key -> title (the upload was answered 204)
        self.attempted = set()  # record ids a create was sent for

    def note(self, kind, **fields):
        with self.lock:
            if kind == "upload":
                self.uploads[fields["key"]] = fields["title"]
            elif kind == "create":
                self.records[fields["id"]] = {"title": fields["title"], "cover": fields["cover"],
                                              "key": fields["key"], "bumps": 0, "cover_deleted": False}
            elif kind == "bump":
                self.records[fields["id"]]["bumps"] += 1
            elif kind == "delete_cover":
                self.records[fields["id"]]["cover_deleted"] = True


def writer(server, token, ledger, label, stop):
    session = requests.Session()
    auth = {"Authorization": token}
    posts = server.url + "/api/collections/posts/records"
    for n in range(MAX_WRITES_PER_WRITER):
        if stop.is_set():
            return
        title = f"{label}-{n}"
        data = content_for(title)
        try:
            up = session.post(server.url + "/api/files/upload", headers=auth, timeout=15,
                              json={"collection": "posts", "field": "cover", "filename": f"{title}.png",
                                    "size": len(data), "contentType": "image/png"})
            if up.status_code != 200:
                return
            up = up.json()
            sent = session.post(up["url"], data=up["fields"], files={"file": ("wxfile://tmp", data, "image/png")},
                                timeout=15)
            if sent.status_code != 204:
                return
            ledger.note("upload", key=up["key"], title=title)
            with ledger.lock:
                ledger.attempted.add(up["recordId"])
            created = session.post(posts, headers=auth, timeout=15,
                                   json={"id": up["recordId"], "title": title, "cover": up["name"],
                                         "status": "published", "views": 0})
            if created.status_code != 200:
                return
            ledger.note("create", id=up["recordId"], title=title, cover=up["name"], key=up["key"])
            for _ in range(2):
                bumped = session.patch(f"{posts}/{up['recordId']}", headers=auth, json={"views+": 1}, timeout=15)
                if bumped.status_code != 200:
                    return
                ledger.note("bump", id=up["recordId"])
            if n % 3 == 2:
                cleared = session.patch(f"{posts}/{up['recordId']}", headers=auth, json={"cover": ""}, timeout=15)
                if cleared.status_code != 200:
                    return
                ledger.note("delete_cover", id=up["recordId"])
        except requests.RequestException:
            return  # the server was killed under us


def all_posts(server):
    admin = {"Authorization": server.admin_key()}
    items, page, total = [], 1, None
    while True:
        reply = requests.get(server.url + "/api/collections/posts/records", headers=admin, timeout=30,
                             params={"page": page, "perPage": 500, "sort": "created"})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        total = body["totalItems"] if total is None else total
        items.extend(body["items"])
        if page >= body["totalPages"]:
            return items, total
        page += 1


def check_everything(server, ledger):
    s3 = server.s3()
    records, total = all_posts(server)
    by_id = {r["id"]: r for r in records}
    assert total == len(records), "the collection counter disagrees with the records stored"
    for record_id, answered in ledger.records.items():
        stored = by_id.get(record_id)
        assert stored is not None, f"answered create {answered['title']} was lost"
        assert stored["title"] == answered["title"]
        assert stored["views"] >= answered["bumps"], f"answered counter bumps of {answered['title']} were lost"
        if answered["cover_deleted"]:
            assert stored["cover"] == "", f"answered file deletion of {answered['title']} was lost"
            assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=answered["key"])
    for record in records:  # every record, answered or not, points at its own file
        assert record["id"] in ledger.attempted, "a record nobody created"
        if record["cover"]:
            key = f"{record['collectionId']}/{record['id']}/{record['cover']}"
            body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
            assert body == content_for(record["title"]), f"record {record['title']} serves another file"
    for key, title in ledger.uploads.items():  # every answered upload is on disk, unless its record dropped it
        record_id = key.split("/")[1]
        answered = ledger.records.get(record_id)
        if answered and answered["cover_deleted"]:
            continue
        assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == content_for(title)


def run_round(server, ledger, label, interrupt):
    token = server.login("zero-loss")["token"]
    stop = threading.Event()
    threads = [threading.Thread(target=writer, args=(server, token, ledger, f"{label}w{i}", stop))
               for i in range(WRITERS)]
    for t in threads:
        t.start()
    time.sleep(random.uniform(1.5, 5.0))  # a random moment in the middle of the writes
    interrupt()
    stop.set()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)


def test_answered_writes_survive_kill_9_sighup_and_ctrl_c(tmp_path):
    server = DevServer(tmp_path / "data", tmp_path / "dev.log")
    ledger = Ledger()
    server.start()
    try:
        for round_number in range(3):
            run_round(server, ledger, f"k{round_number}", server.kill)
            server.start()
            check_everything(server, ledger)
        for signum in (signal.SIGHUP, signal.SIGINT):
            outcome = {}
            run_round(server, ledger, signum.name, lambda: outcome.update(zip(("code", "seconds"),
                                                                              server.stop(signum))))
            assert outcome["code"] == 0, server.output()[-2000:]
            assert outcome["seconds"] < 3, f"{signum.name} took {outcome['seconds']:.1f} s"
            server.start()
            check_everything(server, ledger)
        assert len(ledger.records) > 30, "too few writes were answered to mean anything"
    finally:
        server.kill()
