"""A write-shard count that grows (`"writeShards": 1`, then `[1, 4]`, then `[1, 4, 16]`): records stay where they
were written and every read still finds them exactly once, in order, with exact totals; a collections file that
forgets a count its records were written with answers 503 instead of hiding them."""
import urllib.parse
import zlib

import pytest

from chalicelib.core import ids
from chalicelib.realtime import feed
from chalicelib.records import shard_map, store
from chalicelib.records.changes import RecordChange
from chalicelib.store import keys, table
from tests.records_helpers import ADMIN, sharding_collection, use_collections, walk_list

PER_GENERATION = 12
class _Files:
    """Switches the collections file as a deployment would (a new file each time, so the schema is reloaded)."""

    def __init__(self, tmp_path, monkeypatch):
        self.tmp_path, self.monkeypatch, self.version = tmp_path, monkeypatch, 0

    def use(self, *entries):
        self.version += 1
        folder = self.tmp_path / f"v{self.version}"
        folder.mkdir()
        use_collections(folder, self.monkeypatch, *entries)


@pytest.fixture
def files(tmp_path, monkeypatch):
    return _Files(tmp_path, monkeypatch)


def _records(name):
    return f"/api/collections/{name}/records"


def _stored_partition(name, record_id):
    """Which of the record's candidate keys holds it (read from the table, not through wxbase's reads)."""
    found = [k["pk"] for k in keys.record_candidates(name, record_id, (1, 4, 16)) if table.get(k, consistent=True)]
    assert len(found) == 1, found
    return found[0]


def _create(api, name, count, start):
    made = {}
    for i in range(start, start + count):
        reply = api.post(_records(name), {"n": i, "tag": "ab"[i % 2]}, token=ADMIN)
        assert reply.status == 200, reply
        made[reply.json["id"]] = reply.json
    return made


def _assert_lists(api, name, records, per_page):
    """Every query answers each record once, in its exact order, with the exact total, by pages and by cursors."""
    by_tag = urllib.parse.quote('tag = "a"')
    expected = {
        "": sorted(records),
        "sort=-created": sorted(records, key=lambda i: (records[i]["created"], i), reverse=True),
        f"filter={by_tag}": sorted((i for i in records if records[i]["tag"] == "a"),
                                   key=lambda i: (records[i]["created"], i)),
        "sort=-n": sorted(records, key=lambda i: -records[i]["n"]),
    }
    for query, wanted in expected.items():
        for by in ("page", "cursor"):
            listed, totals = walk_list(api, name, query, per_page, by)
            assert listed == wanted, (query, by)
            assert set(totals) == {len(wanted)}, (query, by)


def test_records_written_under_each_count_stay_listed_viewable_updatable_and_deletable(api, files):
    name = f"grow{ids.new_id()[-6:]}"
    records = {}
    files.use(sharding_collection(name))
    records.update(_create(api, name, PER_GENERATION, 0))
    files.use(sharding_collection(name, [1, 4]))
    records.update(_create(api, name, PER_GENERATION, PER_GENERATION))
    first = api.get(f"{_records(name)}?perPage=5&sort=-created", token=ADMIN).json  # a cursor taken under [1, 4]
    page_two = api.get(f"{_records(name)}?perPage=5&sort=-created&page=2", token=ADMIN).json  # its page marker
    files.use(sharding_collection(name, [1, 4, 16]))
    records.update(_create(api, name, PER_GENERATION, 2 * PER_GENERATION))
    generations = [list(records)[g * PER_GENERATION:(g + 1) * PER_GENERATION] for g in range(3)]

    # each record is where it was written: unsuffixed, then h mod 4, then h mod 16; nothing was moved
    for count, generation in zip((1, 4, 16), generations):
        for record_id in generation:
            h = zlib.crc32(record_id.encode())
            assert _stored_partition(name, record_id) == (f"C#{name}" if count == 1 else f"C#{name}#S{h % count}")
    assert len({_stored_partition(name, i) for i in generations[2]}) > 4  # the newest count spreads wider

    _assert_lists(api, name, records, 5)
    # what was handed out under [1, 4] continues under [1, 4, 16] (the older records are still among the first)
    newest_first = sorted(records, key=lambda i: (records[i]["created"], i), reverse=True)
    later = api.get(f"{_records(name)}?perPage=5&sort=-created&cursor={first['nextCursor']}", token=ADMIN).json
    old_first = sorted(generations[0] + generations[1], key=lambda i: (records[i]["created"], i), reverse=True)
    assert [r["id"] for r in later["items"]] == old_first[5:10]
    again = api.get(f"{_records(name)}?perPage=5&sort=-created&page=3", token=ADMIN).json
    assert [r["id"] for r in page_two["items"]] == old_first[5:10]
    assert [r["id"] for r in again["items"]] == newest_first[10:15]

    # views, updates and deletes of a record of each generation, where it lies
    for generation in generations:
        record_id = generation[0]
        where = _stored_partition(name, record_id)
        assert api.get(f"{_records(name)}/{record_id}", token=ADMIN).json["n"] == records[record_id]["n"]
        updated = api.patch(f"{_records(name)}/{record_id}", {"tag": "c"}, token=ADMIN)
        assert updated.status == 200 and updated.json["tag"] == "c"
        records[record_id] = updated.json
        item = table.get({"pk": where, "sk": f"R#{record_id}"}, consistent=True)
        suffix = where[len(f"C#{name}"):]  # "#S<k>", or "" for the unsuffixed partition
        assert item["data"]["tag"] == "c" and item["g1pk"] == where
        assert item["g3pk"] == f'C#{name}#I#idx_{name}_tag#["c"]{suffix}'  # the index entry in the record's shard
        assert _stored_partition(name, record_id) == where  # an update does not move a record
        gone = generation[1]
        assert api.delete(f"{_records(name)}/{gone}", token=ADMIN).status == 204
        assert api.get(f"{_records(name)}/{gone}", token=ADMIN).status == 404
        assert api.patch(f"{_records(name)}/{gone}", {"n": 1}, token=ADMIN).status == 404
        del records[gone]
    _assert_lists(api, name, records, 6)  # (page markers are positions: perPage 5's predate the deletes)
    tag_c = urllib.parse.quote('tag = "c"')
    tagged = api.get(f"{_records(name)}?perPage=1&filter={tag_c}", token=ADMIN).json
    assert tagged["totalItems"] == 3  # counters of index values moved in each record's own shard

    # an id taken under an older count is taken: a create with it is refused, nothing written at the newest key
    taken = generations[0][2]
    reply = api.post(_records(name), {"id": taken, "n": 99}, token=ADMIN)
    assert reply.status == 400 and reply.json["data"]["id"]["code"] == "validation_not_unique"
    assert table.get(keys.record(name, taken, 16), consistent=True) is None
    assert api.get(f"{_records(name)}?perPage=1", token=ADMIN).json["totalItems"] == len(records)

    # the change feed of an old record's change goes to that record's shard
    old = store.get(name, generations[0][0])
    assert old is not None and old.partition == f"C#{name}"
    cursor = feed.append(RecordChange(action="update", collection=name, id=old.id, old=old, new=old, sequence="",
                                      at=0.0))
    assert table.get(keys.change_feed_entry(name, cursor), consistent=True)["rid"] == old.id


def test_a_history_that_is_not_a_chain_of_multiples_refuses_the_file(api, files):
    from chalicelib.records.schema.collections import SchemaError, get_schema

    for bad, says in (([1, 4, 6], "6 after 4"), ([4, 1], "1 after 4"), ([4, 4], "4 after 4"), ([], "wxbase must be"),
                      ([1, 128], "wxbase must be"), ([1, "4"], "wxbase must be"), ([True, 2], "wxbase must be")):
        files.use(sharding_collection("chainbad", bad))
        with pytest.raises(SchemaError, match=f"chainbad: .*{says}"):
            get_schema()
    files.use(sharding_collection("chaingood", [1, 2, 8, 64]))
    assert get_schema().get("chaingood").shard_history == (1, 2, 8, 64)


def _fresh_process(monkeypatch):
    """What a new process knows of the recorded counts: nothing."""
    monkeypatch.setattr(shard_map, "_seen", {})
    monkeypatch.setattr(shard_map, "_recorded", set())


def test_a_file_that_forgets_a_count_answers_503_naming_it_instead_of_hiding_records(api, files, monkeypatch):
    name = f"forgot{ids.new_id()[-6:]}"
    files.use(sharding_collection(name))
    made = list(_create(api, name, 3, 0))
    assert table.get(keys.shard_counts(name), consistent=True)["counts"] == [1]
    files.use(sharding_collection(name, 4))  # meant [1, 4]: the three records would vanish from every read
    for reply in (api.get(_records(name), token=ADMIN), api.get(f"{_records(name)}/{made[0]}", token=ADMIN),
                  api.post(_records(name), {"n": 1}, token=ADMIN),
                  api.patch(f"{_records(name)}/{made[0]}", {"n": 2}, token=ADMIN),
                  api.delete(f"{_records(name)}/{made[1]}", token=ADMIN)):
        assert reply.status == 503, reply
        assert reply.json["status"] == 503 and '"writeShards": [1, 4]' in reply.json["message"]
        assert f"Collection {name}: records were written with 1 write shard(s)" in reply.json["message"]
    _fresh_process(monkeypatch)  # another process with the same file finds out on its first read
    assert api.get(_records(name), token=ADMIN).status == 503
    assert table.get(keys.shard_counts(name), consistent=True)["counts"] == [1]  # nothing was written
    files.use(sharding_collection(name, [1, 4]))
    listed = api.get(_records(name), token=ADMIN)
    assert listed.status == 200 and sorted(r["id"] for r in listed.json["items"]) == sorted(made)
    _create(api, name, 2, 3)
    assert sorted(table.get(keys.shard_counts(name), consistent=True)["counts"]) == [1, 4]


def test_an_unsharded_file_after_sharded_writes_is_refused_at_its_first_miss_or_create(api, files, monkeypatch):
    name = f"revert{ids.new_id()[-6:]}"
    files.use(sharding_collection(name, 4))
    made = list(_create(api, name, 3, 0))
    files.use(sharding_collection(name))  # writeShards removed: the records in C#<name>#S<k> would be out of sight
    _fresh_process(monkeypatch)
    assert api.get(_records(name), token=ADMIN).status == 200  # an unsharded list costs no check (documented)
    assert api.get(f"{_records(name)}/{made[0]}", token=ADMIN).status == 503  # a record not found: checked
    _fresh_process(monkeypatch)
    reply = api.post(_records(name), {"n": 9}, token=ADMIN)
    assert reply.status == 503 and '"writeShards": [1, 4]' in reply.json["message"]
    unsharded = table.query("#p = :p", names={"#p": "pk"}, values={":p": f"C#{name}"}, consistent=True)[0]
    assert not [i for i in unsharded if i["sk"].startswith("R#")]  # the refused create wrote no record
    assert api.get(f"{_records(name)}/{made[0]}", token=ADMIN).status == 503  # and from then on, reads too
