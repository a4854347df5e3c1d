"""A sort an index covers answers at any collection size: `sort=n,-created` over 2,100 records (past the 2,000
records an in-memory sort may read) with an index on `n`, in exact order, page by page and by cursor, with totals;
an equality on an index's first field and a sort by the next; values that move and values no record holds any
more; and what no index covers is still the 400 naming the index to add."""
import random

import pytest

from chalicelib.core import ids
from chalicelib.records.query import planner
from tests.conftest import DEVSTACK
from tests.records_helpers import ADMIN, use_collections, walk_list

# Past the in-memory bound on DynamoDB Local (make test-devstack); the in-process emulator reads its whole table for
# every Query, so there the same walks run over fewer records and values.
COUNT = planner.MAX_SCANNED + 100 if DEVSTACK else 240
SPREAD = 400 if DEVSTACK else 30
OPEN = {rule: "" for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")}


def _collection(name, shards=None):
    entry = {"name": name, "type": "base", **OPEN, "fields": [
        {"name": "n", "type": "number"},
        {"name": "grp", "type": "text", "required": True},
        {"name": "title", "type": "text"},
        {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
        {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True}],
        "indexes": [f"CREATE INDEX idx_{name}_n ON {name} (n)", f"CREATE INDEX idx_{name}_grp_n ON {name} (grp, n)"]}
    if shards:
        entry["wxbase"] = {"writeShards": shards}
    return entry


def _stamp(i):
    return f"2026-01-01 00:{i // 6000 % 60:02d}:{i // 100 % 60:02d}.{i % 100:02d}0Z"


@pytest.fixture(scope="module", params=[None, 4], ids=["one shard", "4 write shards"])
def ranked(request, tmp_path_factory):
    """COUNT records imported (100 a request) into a collection of a unique name: n from a small range, so
    values repeat, with negatives and fractions; two records share each created stamp. Unsharded, and with 4
    write shards (each value's records spread over them, the shards' directories merged)."""
    monkeypatch = pytest.MonkeyPatch()
    name = f"ranked{ids.new_id()[-6:]}"
    use_collections(tmp_path_factory.mktemp("ranked"), monkeypatch, _collection(name, request.param))
    rng = random.Random(28)
    records = [{"id": ids.new_id(), "n": rng.choice([rng.randint(-SPREAD // 10, SPREAD), rng.randint(0, 9) / 4]),
                "grp": rng.choice("abc"), "title": rng.choice(["x", "y", ""]), "created": _stamp(i // 2),
                "updated": _stamp(i // 2)} for i in range(COUNT)]
    yield name, records, monkeypatch
    monkeypatch.undo()


def _load(api, name, records):
    for start in range(0, len(records), 100):
        reply = api.post(f"/api/admin/import/{name}/records", {"records": records[start:start + 100]}, token=ADMIN)
        assert reply.status == 200 and not reply.json.get("failed"), reply


def _order(records, desc_n=False, desc_within=False):
    """PocketBase's order of `sort=[-]n,[-]created` over these records (ties on created by id, the same way)."""
    within = sorted(records, key=lambda r: (r["created"], r["id"]), reverse=desc_within)
    return [r["id"] for r in sorted(within, key=lambda r: r["n"], reverse=desc_n)]


def _all(api, name, query, per_page=300, by="page"):
    """Every page of a list: (ids in order, the set of totals the pages answered)."""
    found, totals = walk_list(api, name, query, per_page, by)
    return found, set(totals)


_LOADED: set[str] = set()


@pytest.fixture
def loaded(live, ranked):
    """The records of `ranked`, imported by the first test that needs them."""
    name, records, _ = ranked
    if name not in _LOADED:
        _load(live, name, records)
        _LOADED.add(name)
    return name, records


def test_a_sort_by_an_indexed_number_answers_past_the_in_memory_bound_in_exact_order(live, loaded):
    name, records = loaded
    found, totals = _all(live, name, "sort=n,-created")
    assert found == _order(records, desc_within=True) and totals == {COUNT}
    by_cursor, _ = _all(live, name, "sort=n,-created&skipTotal=1", per_page=500, by="cursor")
    assert by_cursor == found
    found, totals = _all(live, name, "sort=-n", per_page=700)
    assert found == _order(records, desc_n=True, desc_within=True) and totals == {COUNT}
    found, _ = _all(live, name, "sort=n,created,id&skipTotal=1", per_page=1000, by="cursor")
    assert found == _order(records)
    found, _ = _all(live, name, "sort=grp,n&skipTotal=1", per_page=1000, by="cursor")
    assert found == [i for group in "abc" for i in _order([r for r in records if r["grp"] == group])]


def test_an_equality_on_the_first_field_and_a_sort_by_the_next(live, loaded):
    name, records = loaded
    group = [r for r in records if r["grp"] == "b"]
    found, totals = _all(live, name, 'filter=grp="b"&sort=-n,created', per_page=200)
    assert found == _order(group, desc_n=True) and totals == {len(group)}
    titled = [r for r in group if r["title"] == "x"]
    found, totals = _all(live, name, 'filter=(grp="b"%26%26title="x")&sort=n', per_page=100)
    assert found == _order(titled) and totals == {len(titled)}
    found, totals = _all(live, name, 'filter=grp="nobody"&sort=n', per_page=100)
    assert found == [] and totals == {0}


def test_values_move_and_values_no_record_holds_are_skipped(live, ranked):
    name, _, _ = ranked
    other = f"/api/collections/{name}/records"
    made = [live.post(other, {"n": 5000 + i % 3, "grp": "z"}, token=ADMIN).json["id"] for i in range(6)]
    first = live.get(f'{other}?filter=grp="z"&sort=-n&perPage=2', token=ADMIN).json
    assert [r["n"] for r in first["items"]] == [5002, 5002] and first["totalItems"] == 6
    for record_id in made[2::3]:  # both records of 5002
        assert live.delete(f"{other}/{record_id}", token=ADMIN).status == 204
    assert live.patch(f"{other}/{made[0]}", {"n": 4999}, token=ADMIN).status == 200
    reply = live.get(f'{other}?filter=grp="z"&sort=-n,-created&perPage=1', token=ADMIN).json
    assert [r["n"] for r in reply["items"]] == [5001] and reply["totalItems"] == 4
    seen, cursor = [], None
    while True:
        page = live.get(f'{other}?filter=grp="z"&sort=-n&perPage=1&skipTotal=1' + (f"&cursor={cursor}" if cursor else ""),
                        token=ADMIN).json
        seen += [(r["n"], r["id"]) for r in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert [n for n, _ in seen] == [5001, 5001, 5000, 4999] and seen[-1][1] == made[0]


@pytest.mark.skipif(not DEVSTACK, reason="needs more records than an in-memory sort reads (make test-devstack)")
def test_a_sort_no_index_covers_is_still_the_400_naming_the_index(live, loaded):
    name, _ = loaded
    for sort in ("title", "n,title", "-n,created,-id", "grp,-n"):
        reply = live.get(f"/api/collections/{name}/records?sort={sort}", token=ADMIN)
        assert reply.status == 400, (sort, reply)
        assert "more than 2000 records" in reply.json["message"]


def test_an_index_added_to_stored_records_serves_them_after_the_backfill(live, tmp_path, monkeypatch):
    from chalicelib.records.schema import index_backfill

    name = f"late{ids.new_id()[-6:]}"
    entry = _collection(name)
    entry["fields"][1]["required"] = False  # (grp) holds no directory while grp may be blank
    entry["indexes"] = [f"CREATE INDEX idx_{name}_grp ON {name} (grp)"]
    use_collections(tmp_path, monkeypatch, entry)
    records = [{"id": ids.new_id(), "n": i, "grp": "gfedcba"[i % 7], "created": _stamp(i), "updated": _stamp(i)}
               for i in range(21)]
    _load(live, name, records[:14])
    entry["fields"][1]["required"] = True
    use_collections(tmp_path, monkeypatch, entry)
    _load(live, name, records[14:])  # written with the directory: their values are listed
    expected = [r["id"] for r in sorted(records, key=lambda r: (r["grp"], r["created"]))]
    found, _ = _all(live, name, "sort=grp&skipTotal=1", per_page=5, by="cursor")
    assert found == expected  # every grp value is also held by a record written later

    entry["indexes"] = [f"CREATE INDEX idx_{name}_grp_n ON {name} (grp, n)"]  # a new index, over stored records
    use_collections(tmp_path, monkeypatch, entry)
    rewritten = records[17:]
    for record in rewritten:  # a write counts and lists a record in the index as the file now declares it
        assert live.patch(f"/api/collections/{name}/records/{record['id']}", {"title": "again"},
                          token=ADMIN).status == 200

    def by_group(group, subset):
        return [r["id"] for r in sorted(subset, key=lambda r: -r["n"]) if r["grp"] == group]

    for group in "abcdefg":
        found, totals = _all(live, name, f'filter=grp="{group}"%26%26n>=0&sort=-n', per_page=2)
        assert found == by_group(group, rewritten) and totals == {len(found)}
    assert live.get(f'/api/collections/{name}/records?filter=grp="a"%26%26n=13', token=ADMIN).json["totalItems"] == 0

    report = index_backfill.backfill(name)
    assert (report.records, report.reindexed, report.duplicates) == (21, 17, [])
    assert report.listed == 21  # one value counter each
    assert index_backfill.backfill(name).reindexed == 0  # again: nothing to rewrite
    for group in "abcdefg":
        found, totals = _all(live, name, f'filter=grp="{group}"&sort=-n', per_page=2)
        assert found == by_group(group, records) and totals == {len(found)}
        exact = live.get(f'/api/collections/{name}/records?filter=grp="{group}"', token=ADMIN).json
        assert exact["totalItems"] == len(found)  # the value's counter counts the stored records now
