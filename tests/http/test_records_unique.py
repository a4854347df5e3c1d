"""UNIQUE indexes of the collections file, enforced as PocketBase enforces them: a taken value is a 400 with
`validation_not_unique` on each of the index's fields, on create and update, also under concurrent writers; a value
is released by an update that changes it and by a delete, cascaded ones included. Blank values are values (SQLite's
columns are NOT NULL DEFAULT ''), unless the index says `WHERE <col> != ''`."""
import json
import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.core.settings import default_collections_path
from tests.records_helpers import ADMIN, user

ARTICLES = "/api/collections/articles/records"
PAIRS = "/api/collections/pairs/records"
CHAPTERS = "/api/collections/chapters/records"
OPEN = {rule: "" for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")}
WRITERS = 50


def collections_with_unique_indexes():
    with open(default_collections_path()) as f:
        raw = json.load(f)
    users = next(c for c in raw if c["name"] == "users")
    users["fields"].append({"name": "handle", "type": "text", "max": 30})
    users["indexes"].append("CREATE UNIQUE INDEX `idx_users_handle` ON `users` (`handle`)")
    raw += [
        {"id": "pbc_test_articles", "name": "articles", "type": "base", **OPEN, "fields": [
            {"name": "slug", "type": "text"},
            {"name": "code", "type": "text"},
            {"name": "status", "type": "select", "values": ["draft", "live"], "maxSelect": 1},
            {"name": "author", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
            {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
            {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True}],
         "indexes": ["CREATE UNIQUE INDEX `idx_articles_slug` ON `articles` (`slug`)",
                     "CREATE UNIQUE INDEX `idx_articles_code` ON `articles` (`code` COLLATE NOCASE) WHERE `code` != ''",
                     "CREATE INDEX `idx_articles_status` ON `articles` (`status`, `updated`)"]},
        {"name": "pairs", "type": "base", **OPEN, "fields": [
            {"name": "a", "type": "text"}, {"name": "b", "type": "number"}, {"name": "c", "type": "text"}],
         "indexes": ["CREATE UNIQUE INDEX `idx_pairs_ab` ON `pairs` (`a`, `b`)",
                     "CREATE UNIQUE INDEX `idx_pairs_c` ON `pairs` (`c`) WHERE `c` != ''"]},
        {"name": "chapters", "type": "base", **OPEN, "fields": [
            {"name": "article", "type": "relation", "collectionId": "pbc_test_articles", "maxSelect": 1,
             "cascadeDelete": True},
            {"name": "name", "type": "text"}],
         "indexes": ["CREATE INDEX `idx_chapters_article` ON `chapters` (`article`)",
                     "CREATE UNIQUE INDEX `idx_chapters_name` ON `chapters` (`name`)"]},
    ]
    return raw


@pytest.fixture
def unique_schema(tmp_path, monkeypatch):
    path = tmp_path / "collections.json"
    path.write_text(json.dumps(collections_with_unique_indexes()))
    monkeypatch.setenv("WXBASE_COLLECTIONS", str(path))


def fresh(prefix="v"):
    """A value no other test uses (markers live in the session's table)."""
    return f"{prefix}-{secrets.token_hex(5)}"


def not_unique(reply, *fields):
    assert reply.status == 400, reply
    assert reply.json["data"] == {f: {"code": "validation_not_unique", "message": "Value must be unique."}
                                  for f in fields}, reply
    return reply


def marker(collection, index, values):
    from chalicelib.records import store
    from chalicelib.store import keys, table

    return table.get(keys.unique_marker(collection, index, store.encode_index_values(values)))


def total(api, path, flt):
    return api.get(f"{path}?filter={flt}&perPage=1", token=ADMIN).json["totalItems"]


def test_a_taken_value_is_refused_on_create_and_nothing_is_written(api, unique_schema):
    slug = fresh()
    first = api.post(ARTICLES, {"slug": slug, "status": "draft"})
    assert first.status == 200, first
    before = total(api, ARTICLES, 'status="draft"')
    not_unique(api.post(ARTICLES, {"slug": slug, "status": "draft"}), "slug")
    assert total(api, ARTICLES, 'status="draft"') == before  # no record, no counter moved
    assert marker("articles", "idx_articles_slug", [slug])["recordId"] == first.json["id"]


def test_multi_column_values_conflict_only_together_and_name_every_column(api, unique_schema):
    a = fresh()
    assert api.post(PAIRS, {"a": a, "b": 1}).status == 200
    assert api.post(PAIRS, {"a": a, "b": 2}).status == 200
    assert api.post(PAIRS, {"a": fresh(), "b": 1}).status == 200
    not_unique(api.post(PAIRS, {"a": a, "b": 1.0}), "a", "b")  # 1.0 is 1, as in SQLite


def test_the_last_declared_of_several_failed_indexes_is_named(api, unique_schema):
    """SQLite reports one failed UNIQUE index, the last declared; so does wxbase."""
    a, c = fresh(), fresh()
    assert api.post(PAIRS, {"a": a, "b": 5, "c": c}).status == 200
    not_unique(api.post(PAIRS, {"a": a, "b": 5, "c": c}), "c")
    not_unique(api.post(PAIRS, {"a": a, "b": 5, "c": fresh()}), "a", "b")


def test_blank_values_are_values_unless_the_index_skips_them(api, unique_schema):
    """PocketBase stores '' for an unset text: a plain UNIQUE index lets one record have it."""
    api.post(PAIRS, {"a": "", "b": 0})  # whichever test got there first holds ('', 0)
    not_unique(api.post(PAIRS, {"c": fresh()}), "a", "b")
    for _ in range(3):  # `WHERE code != ''`: any number of blank codes
        assert api.post(ARTICLES, {"slug": fresh()}).status == 200


def test_collate_nocase_folds_ascii_letters(api, unique_schema):
    code = "Code-" + secrets.token_hex(4).upper()
    assert api.post(ARTICLES, {"slug": fresh(), "code": code}).status == 200
    not_unique(api.post(ARTICLES, {"slug": fresh(), "code": code.lower()}), "code")
    assert api.post(ARTICLES, {"slug": fresh(), "code": code + "É"}).status == 200
    assert api.post(ARTICLES, {"slug": fresh(), "code": code + "é"}).status == 200  # SQLite folds ASCII only


def test_an_update_moves_the_value_and_releases_the_old_one(api, unique_schema):
    one, two = fresh(), fresh()
    first = api.post(ARTICLES, {"slug": one}).json
    second = api.post(ARTICLES, {"slug": two}).json
    not_unique(api.patch(f"{ARTICLES}/{second['id']}", {"slug": one}), "slug")
    assert api.get(f"{ARTICLES}/{second['id']}").json["slug"] == two  # unchanged
    assert api.patch(f"{ARTICLES}/{second['id']}", {"status": "live"}).status == 200  # value kept: no conflict
    three = fresh()
    assert api.patch(f"{ARTICLES}/{first['id']}", {"slug": three}).status == 200
    assert marker("articles", "idx_articles_slug", [one]) is None
    assert api.patch(f"{ARTICLES}/{second['id']}", {"slug": one}).status == 200  # released, so free
    assert marker("articles", "idx_articles_slug", [one])["recordId"] == second["id"]
    assert marker("articles", "idx_articles_slug", [two]) is None


def test_a_delete_releases_its_values_and_so_does_a_cascade(api, unique_schema):
    slug, name = fresh(), fresh()
    article = api.post(ARTICLES, {"slug": slug}).json
    chapter = api.post(CHAPTERS, {"article": article["id"], "name": name}).json
    not_unique(api.post(CHAPTERS, {"name": name}), "name")
    assert api.delete(f"{ARTICLES}/{article['id']}").status == 204
    assert api.get(f"{CHAPTERS}/{chapter['id']}").status == 404  # cascadeDelete
    assert marker("chapters", "idx_chapters_name", [name]) is None
    assert marker("articles", "idx_articles_slug", [slug]) is None
    assert api.post(CHAPTERS, {"name": name}).status == 200
    assert api.post(ARTICLES, {"slug": slug}).status == 200


def test_users_unique_values_skip_blanks_so_sign_ins_keep_working(api, unique_schema):
    """WeChat sign-ins create users with blank fields: a UNIQUE index on users never claims a blank value."""
    alice, bob = user(api), user(api)  # both created with a blank handle
    handle = fresh("h")
    assert api.patch(f"/api/collections/users/records/{alice['id']}", {"handle": handle},
                     token=alice["token"]).status == 200
    not_unique(api.patch(f"/api/collections/users/records/{bob['id']}", {"handle": handle}, token=bob["token"]),
               "handle")


def test_fifty_concurrent_creates_of_one_value_exactly_one_wins(live, unique_schema):
    slug = fresh()
    with ThreadPoolExecutor(WRITERS) as pool:
        replies = list(pool.map(lambda i: live.post(ARTICLES, {"slug": slug, "status": "draft"}), range(WRITERS)))
    winners = [r for r in replies if r.status == 200]
    assert len(winners) == 1, [r.status for r in replies]
    for reply in replies:
        if reply.status != 200:
            not_unique(reply, "slug")
    listed = live.get(f'{ARTICLES}?filter=slug="{slug}"').json
    assert [i["id"] for i in listed["items"]] == [winners[0].json["id"]]


def test_fifty_concurrent_updates_to_one_value_exactly_one_wins(live, unique_schema):
    records = [live.post(ARTICLES, {"slug": fresh()}).json for _ in range(WRITERS)]
    slug = fresh()
    with ThreadPoolExecutor(WRITERS) as pool:
        replies = list(pool.map(lambda r: live.patch(f"{ARTICLES}/{r['id']}", {"slug": slug}), records))
    assert sorted(r.status for r in replies) == [200] + [400] * (WRITERS - 1)
    winner = next(r.json for r in replies if r.status == 200)
    assert marker("articles", "idx_articles_slug", [slug])["recordId"] == winner["id"]
    for record, reply in zip(records, replies):  # the losers kept their own values and markers
        if reply.status == 400:
            assert marker("articles", "idx_articles_slug", [record["slug"]])["recordId"] == record["id"]


def test_an_index_ordered_by_updated_lists_in_that_order(api, unique_schema):
    status = "live"
    made = [api.post(ARTICLES, {"slug": fresh(), "status": status}).json for _ in range(3)]
    assert api.patch(f"{ARTICLES}/{made[0]['id']}", {"code": fresh()}).status == 200  # now the latest update
    listed = api.get(f'{ARTICLES}?filter=status="{status}"&sort=-updated&perPage=500').json["items"]
    stamps = [i["updated"] for i in listed]
    assert stamps == sorted(stamps, reverse=True) and listed[0]["id"] == made[0]["id"]


def test_backfill_claims_stored_values_and_reports_duplicates(api, tmp_path, monkeypatch):
    """Records stored before the index existed: the backfill writes their markers, and names a shared value."""
    from chalicelib.records.schema import index_backfill

    raw = collections_with_unique_indexes()
    name = "legacy" + secrets.token_hex(3)
    raw.append({"name": name, "type": "base", **OPEN, "fields": [{"name": "sku", "type": "text"}], "indexes": []})
    path = tmp_path / "collections.json"
    path.write_text(json.dumps(raw))
    monkeypatch.setenv("WXBASE_COLLECTIONS", str(path))
    url = f"/api/collections/{name}/records"
    first = api.post(url, {"sku": "a"}).json
    second = api.post(url, {"sku": "a"}).json  # no index yet: allowed
    third = api.post(url, {"sku": "b"}).json
    raw[-1]["indexes"] = [f"CREATE UNIQUE INDEX `idx_{name}_sku` ON `{name}` (`sku`)"]
    indexed = tmp_path / "collections-indexed.json"
    indexed.write_text(json.dumps(raw))
    monkeypatch.setenv("WXBASE_COLLECTIONS", str(indexed))
    report = index_backfill.backfill(name)
    assert report.records == 3
    [duplicate] = report.duplicates  # records are read in id order: either may hold "a"
    assert duplicate["index"] == f"idx_{name}_sku"
    assert {duplicate["record"], duplicate["holder"]} == {first["id"], second["id"]}
    assert marker(name, f"idx_{name}_sku", ["b"])["recordId"] == third["id"]
    not_unique(api.post(url, {"sku": "b"}), "sku")
    assert index_backfill.backfill(name).duplicates == report.duplicates  # running it again changes nothing
