"""`wxbase import unicloud` ($oid ids) and `wxbase export`: both export formats import back unchanged."""
import json
import secrets

from chalicelib.core.ids import derived_id
from tests.records_helpers import post, user
from tests.stackenv import ADMIN_KEY, APP1


def test_a_unicloud_export_imports_with_oid_ids_and_relations(api, wxbase, sandbox, tmp_path):
    person = user(api, "uc")
    post_oid, comment_oid = secrets.token_hex(12), secrets.token_hex(12)
    (tmp_path / "posts.jsonl").write_text(json.dumps(
        {"_id": {"$oid": post_oid}, "title": "from uniCloud", "status": "published", "owner": person["id"],
         "views": {"$numberLong": "42"}, "created": {"$date": {"$numberLong": "1700000000000"}}}) + "\n")
    (tmp_path / "comments.jsonl").write_text(
        json.dumps({"_id": {"$oid": comment_oid}, "post": post_oid, "author": person["id"], "text": "hi"}) + "\n"
        + json.dumps({"_id": {"$oid": secrets.token_hex(12)}, "post": post_oid, "text": "no author"}) + "\n")
    code, out = wxbase("import", "unicloud", str(tmp_path / "posts.jsonl"), "--collection", "posts")
    assert (code, out) == (0, ["posts: created 1, updated 0, unchanged 0, failed 0"])
    code, out = wxbase("import", "unicloud", str(tmp_path / "comments.jsonl"), "--collection", "comments")
    assert code == 1 and out[0] == "comments: created 1, updated 0, unchanged 0, failed 1"
    assert out[1].startswith("  comments 2:") and "author" in out[1]
    post_id = derived_id("doc:" + post_oid)
    record = api.get(f"/api/collections/posts/records/{post_id}", token=ADMIN_KEY).json
    assert (record["views"], record["created"]) == (42, "2023-11-14 22:13:20.000Z")
    comment = api.get(f"/api/collections/comments/records/{derived_id('doc:' + comment_oid)}?expand=post",
                      token=ADMIN_KEY).json
    assert comment["post"] == post_id and comment["expand"]["post"]["title"] == "from uniCloud"


def test_an_export_imports_back_unchanged_in_both_formats(api, wxbase, sandbox, tmp_path):
    person = user(api, "ex")
    mine = [post(api, person, title=f"export {i}", tags=["tech"], views=i)["id"] for i in range(3)]
    code, lines = wxbase("export", "posts")
    assert code == 0
    exported = [json.loads(line) for line in lines]
    by_id = {r["id"]: r for r in exported}
    assert set(mine) <= set(by_id)
    shown = api.get(f"/api/collections/posts/records/{mine[0]}", token=ADMIN_KEY).json
    assert by_id[mine[0]] == {k: v for k, v in shown.items() if k not in ("collectionId", "collectionName")}
    (tmp_path / "posts.jsonl").write_text("\n".join(lines) + "\n")
    code, out = wxbase("import", "unicloud", str(tmp_path / "posts.jsonl"), "--collection", "posts")
    assert (code, out) == (0, [f"posts: created 0, updated 0, unchanged {len(exported)}, failed 0"])

    code, lines = wxbase("export", "posts", "--format", "cloudbase", "--appid", APP1)
    docs = {d["_id"]: d for d in map(json.loads, lines)}
    detail = api.get(f"/api/admin/users/{person['id']}", token=ADMIN_KEY).json
    assert docs[mine[1]]["_openid"] == next(i["openid"] for i in detail["identities"] if i["appid"] == APP1)
    assert docs[mine[1]]["created"] == {"$date": by_id[mine[1]]["created"].replace(" ", "T")}
    (tmp_path / "posts.json").write_text("\n".join(lines) + "\n")
    code, out = wxbase("import", "cloudbase", str(tmp_path / "posts.json"), "--collection", "posts",
                       "--appid", APP1)
    assert (code, out) == (0, [f"posts: created 0, updated 0, unchanged {len(docs)}, failed 0"])
    again = api.get(f"/api/collections/posts/records/{mine[0]}", token=ADMIN_KEY).json
    assert again == shown


def test_the_command_is_installed_in_the_venv_with_help_on_every_subcommand():
    import os
    import subprocess
    import sys

    command = os.path.join(os.path.dirname(sys.executable), "wxbase")
    for argv in ([], ["import", "pocketbase"], ["import", "cloudbase"], ["import", "unicloud"], ["export"]):
        done = subprocess.run([command, *argv, "--help"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "usage: wxbase" in done.stdout, (argv, done.stderr)
