"""`wxbase import cloudbase`: a WeChat Cloud Development export (JSON Lines and CSV) with `_openid`, both `$date`
forms, nested values, cloud:// files; malformed lines, a bad record and a missing file named by line; dry runs that
write nothing; re-runs that duplicate nothing."""
import json
import secrets

from chalicelib.core.ids import derived_id, is_valid_id
from tests.admin_helpers import assert_admin_only
from tests.records_helpers import user
from tests.stackenv import ADMIN_KEY, APP1

POSTS_ID = "pbc_1125843985"


def _doc_id():
    return secrets.token_hex(16)  # CloudBase's ids: 32 hex characters, not a record id


def _write_lines(path, lines):
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)
                              for line in lines) + "\n", encoding="utf-8")
    return str(path)


def _object(key):
    from chalicelib.core import aws
    from chalicelib.core.settings import get_settings

    return aws.client("s3").get_object(Bucket=get_settings().bucket_name, Key=key)["Body"].read()


def _identity_user(api, openid):
    found = api.get(f"/api/admin/users?by=openid&q={openid}", token=ADMIN_KEY).json["items"]
    return found[0]["id"] if found else None


def test_a_cloudbase_export_imports_with_owners_dates_files_and_bad_lines_named(api, wxbase, openid, tmp_path):
    files = tmp_path / "files" / "covers"
    files.mkdir(parents=True)
    cover = secrets.token_bytes(3000)
    (files / "cat.png").write_bytes(cover)
    owner, newcomer = openid(), openid()
    first, second, bad, missing = _doc_id(), _doc_id(), _doc_id(), _doc_id()
    export = _write_lines(tmp_path / "posts.json", [
        {"_id": first, "_openid": owner, "title": "你好", "status": "published", "tags": ["news", "food"], "views": 3,
         "created": {"$date": "2021-03-04T05:06:07.089Z"}, "updated": {"$date": 1614834367089},
         "cover": "cloud://env-1a2b.656e-env-1a2b-1300000000/covers/cat.png",
         "extra": {"nested": [1, {"a": 2}]}},
        "{not json",
        {"_id": bad, "_openid": owner, "title": "", "status": "draft"},
        {"_id": missing, "_openid": owner, "title": "no file", "status": "draft",
         "cover": "cloud://env-1a2b.656e-env-1a2b-1300000000/covers/dog.png"},
        {"_id": second, "_openid": newcomer, "title": "second", "status": "draft",
         "created": {"$date": "2022-01-01T08:00:00+08:00"}},
    ])
    args = ("import", "cloudbase", export, "--collection", "posts", "--appid", APP1, "--files", str(tmp_path / "files"))

    code, out = wxbase(*args, "--dry-run")
    assert code == 1
    assert out[0] == "posts: created 2, updated 0, unchanged 0, failed 3"
    assert [line.split(":")[0] for line in out[1:]] == ["  posts 2", "  posts 3", "  posts 4"]
    assert api.get(f"/api/collections/posts/records/{derived_id('doc:' + first)}", token=ADMIN_KEY).status == 404
    assert _identity_user(api, owner) is None and _identity_user(api, newcomer) is None

    code, out = wxbase(*args)
    assert code == 1
    assert out[0] == "posts: created 2, updated 0, unchanged 0, failed 3"
    assert "not JSON" in out[1] and "title" in out[2] and "dog.png" in out[3]
    record_id = derived_id("doc:" + first)
    assert is_valid_id(record_id)
    record = api.get(f"/api/collections/posts/records/{record_id}", token=ADMIN_KEY).json
    assert record["owner"] == _identity_user(api, owner)
    assert (record["title"], record["tags"], record["views"]) == ("你好", ["news", "food"], 3)
    assert record["created"] == "2021-03-04 05:06:07.089Z" and record["updated"] == "2021-03-04 05:06:07.089Z"
    assert _object(f"{POSTS_ID}/{record_id}/{record['cover']}") == cover
    later = api.get(f"/api/collections/posts/records/{derived_id('doc:' + second)}", token=ADMIN_KEY).json
    assert later["created"] == "2022-01-01 00:00:00.000Z" and later["owner"] == _identity_user(api, newcomer)
    assert api.get(f"/api/collections/posts/records/{derived_id('doc:' + bad)}", token=ADMIN_KEY).status == 404

    code, out = wxbase(*args)  # again: the same records, users and file
    assert out[0] == "posts: created 0, updated 0, unchanged 2, failed 3"
    again = api.get(f"/api/collections/posts/records/{record_id}", token=ADMIN_KEY).json
    assert again == record
    assert len(api.get(f"/api/admin/users?by=openid&q={owner}", token=ADMIN_KEY).json["items"]) == 1


def test_an_openid_that_already_signed_in_names_its_user(api, wxbase, sandbox, tmp_path):
    person = user(api, "cb")
    detail = api.get(f"/api/admin/users/{person['id']}", token=ADMIN_KEY).json
    known = next(i["openid"] for i in detail["identities"] if i["appid"] == APP1)
    doc = _doc_id()
    export = _write_lines(tmp_path / "p.json", [{"_id": doc, "_openid": known, "title": "mine", "status": "draft"}])
    code, out = wxbase("import", "cloudbase", export, "--collection", "posts", "--appid", APP1)
    assert (code, out) == (0, ["posts: created 1, updated 0, unchanged 0, failed 0"])
    record = api.get(f"/api/collections/posts/records/{derived_id('doc:' + doc)}", token=person["token"]).json
    assert record["owner"] == person["id"]


def test_a_changed_document_updates_its_record(api, wxbase, openid, tmp_path):
    doc, who = _doc_id(), openid()
    lines = [{"_id": doc, "_openid": who, "title": "v1", "status": "draft", "views": 1}]
    args = ("import", "cloudbase", str(tmp_path / "p.json"), "--collection", "posts", "--appid", APP1)
    _write_lines(tmp_path / "p.json", lines)
    assert wxbase(*args)[1] == ["posts: created 1, updated 0, unchanged 0, failed 0"]
    _write_lines(tmp_path / "p.json", [{**lines[0], "views": 2}])
    assert wxbase(*args, "--dry-run")[1] == ["posts: created 0, updated 1, unchanged 0, failed 0"]
    assert api.get(f"/api/collections/posts/records/{derived_id('doc:' + doc)}", token=ADMIN_KEY).json["views"] == 1
    assert wxbase(*args)[1] == ["posts: created 0, updated 1, unchanged 0, failed 0"]
    assert api.get(f"/api/collections/posts/records/{derived_id('doc:' + doc)}", token=ADMIN_KEY).json["views"] == 2


def test_a_csv_export_imports_under_its_header_row(api, wxbase, openid, tmp_path):
    who, doc = openid(), _doc_id()
    (tmp_path / "p.csv").write_text(
        "_id,_openid,title,status,views\n"
        f"{doc},{who},\"a, quoted title\",published,7\n"
        "short,row\n", encoding="utf-8")
    code, out = wxbase("import", "cloudbase", str(tmp_path / "p.csv"), "--collection", "posts", "--appid", APP1)
    assert code == 1
    assert out == ["posts: created 1, updated 0, unchanged 0, failed 1",
                   "  posts 3: 2 cells under a header of 5"]
    record = api.get(f"/api/collections/posts/records/{derived_id('doc:' + doc)}", token=ADMIN_KEY).json
    assert (record["title"], record["views"], record["status"]) == ("a, quoted title", 7, "published")


def test_the_import_routes_are_for_admins_and_refuse_bad_bodies(api, sandbox):
    person = user(api, "cbx")
    for path, body in (("/api/admin/import/posts/records", {"records": [{"id": "a" * 15}]}),
                       ("/api/admin/import/openids", {"appid": APP1, "openids": ["x"]}),
                       ("/api/admin/import/posts/files", {"recordId": "a" * 15, "field": "cover", "name": "a.png",
                                                          "size": 1})):
        assert_admin_only(api, "POST", path, person["token"], body)
    for body in ({}, {"records": []}, {"records": [1]}, {"records": [{"id": "x"}] * 101},
                 {"records": [{"id": "a" * 15}], "dryRun": "yes"}):
        reply = api.post("/api/admin/import/posts/records", body, token=ADMIN_KEY)
        assert reply.status == 400, (body, reply)
    assert api.post("/api/admin/import/nothere/records", {"records": [{"id": "a" * 15}]}, token=ADMIN_KEY).status == 404
    assert api.post("/api/admin/import/openids", {"appid": "wxnope", "openids": ["x"]}, token=ADMIN_KEY).status == 400
    reply = api.post("/api/admin/import/posts/files", {"recordId": "a" * 15, "field": "cover", "name": "a.exe",
                                                       "size": 10, "type": "application/x-msdownload"},
                     token=ADMIN_KEY)
    assert reply.status == 400
