"""Write shards (`"wxbase": {"writeShards": N}`): a hot collection's records, counters and index entries spread over
N partition keys, while lists answer exactly as an unsharded twin with the same records does: order, filters,
page/perPage, cursors and totals; under concurrent writers nothing is lost or listed twice."""
import json
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.core import ids
from chalicelib.records.query import paging, planner
from chalicelib.records.filter.tree import TRUE
from chalicelib.records.schema.collections import SchemaError, load_file
from chalicelib.store import keys, table
from tests.conftest import DEVSTACK
from tests.records_helpers import ADMIN, sharding_collection, use_collections, walk_list

# On DynamoDB Local only (make test-devstack, in CI): the real engine's ordering and paging are what this checks, and
# its thousands of reads take minutes on the in-process emulator.
pytestmark = pytest.mark.skipif(not DEVSTACK, reason="write sharding is tested on DynamoDB Local (make test-devstack)")

SHARDS = 8
@pytest.fixture
def twins(tmp_path, monkeypatch):
    """`hot` (8 shards) and `cold` (one), with unique names per test so counters start at zero."""
    suffix = ids.new_id()[-6:]
    hot, cold = f"hot{suffix}", f"cold{suffix}"
    use_collections(tmp_path, monkeypatch, sharding_collection(hot, SHARDS), sharding_collection(cold))
    return hot, cold


def _records(name):
    return f"/api/collections/{name}/records"


def _create_twins(api, twins, count):
    """The same records (id, n, tag) in both collections."""
    hot, cold = twins
    made = []
    for i in range(count):
        body = {"id": ids.new_id(), "n": i % 7, "tag": "ab"[i % 2]}
        for name in (hot, cold):
            reply = api.post(_records(name), body, token=ADMIN)
            assert reply.status == 200, reply
        made.append(body["id"])
    return made


def test_the_option_takes_1_to_64_shards(tmp_path):
    for bad in (0, 65, "8", True, 2.5, None):
        path = tmp_path / "bad.json"
        path.write_text(json.dumps([{**sharding_collection("posts2"), "wxbase": {"writeShards": bad}}]))
        with pytest.raises(SchemaError, match="posts2: wxbase must be"):
            load_file(str(path))
    path = tmp_path / "other.json"
    path.write_text(json.dumps([{**sharding_collection("posts2"), "wxbase": {"writeShards": 4, "other": 1}}]))
    with pytest.raises(SchemaError, match="writeShards"):
        load_file(str(path))
    path = tmp_path / "good.json"
    path.write_text(json.dumps([sharding_collection("a", 64), sharding_collection("b")]))
    schema = load_file(str(path))
    assert schema.get("a").write_shards == 64 and schema.get("b").write_shards == 1


def test_records_counters_and_index_entries_spread_over_the_shards(api, twins):
    hot, cold = twins
    made = _create_twins(api, twins, 64)
    items = []
    for partition in [keys.collection_partition(hot)] + [f"C#{hot}#S{k}" for k in range(SHARDS)]:
        items += table.query("#p = :p", names={"#p": "pk"}, values={":p": partition}, consistent=True)[0]
    records = [i for i in items if i["sk"].startswith("R#")]
    assert sorted(i["id"] for i in records) == sorted(made)
    assert {i["pk"] for i in records} == {f"C#{hot}#S{k}" for k in range(SHARDS)}  # no record on C#hot
    for item in records:
        shard = item["pk"].rsplit("#S", 1)[1]
        assert item["g1pk"] == item["g2pk"] == item["pk"]  # by created / updated: the record's shard
        assert item["g3pk"].endswith(f"#S{shard}") and f"#I#idx_{hot}_tag#" in item["g3pk"]
    counters = [i for i in items if i["sk"] == "#N"]
    assert len(counters) == SHARDS and sum(int(c["n"]) for c in counters) == 64
    assert max(int(c["n"]) for c in counters) < 64 / 2  # spread, not piled on one key
    # the unsharded twin keeps today's keys exactly
    cold_items = table.query("#p = :p", names={"#p": "pk"}, values={":p": f"C#{cold}"}, consistent=True)[0]
    assert sum(1 for i in cold_items if i["sk"].startswith("R#")) == 64
    assert next(int(i["n"]) for i in cold_items if i["sk"] == "#N") == 64
    # a view, an update and a delete find the record in its shard; counters follow
    one = made[0]
    assert api.get(f"{_records(hot)}/{one}", token=ADMIN).json["n"] == 0
    assert api.patch(f"{_records(hot)}/{one}", {"tag": "c"}, token=ADMIN).json["tag"] == "c"
    assert api.delete(f"{_records(hot)}/{made[1]}", token=ADMIN).status == 204
    assert api.get(f"{_records(hot)}/{made[1]}", token=ADMIN).status == 404
    reply = api.get(f"{_records(hot)}?perPage=1", token=ADMIN).json
    assert reply["totalItems"] == 63
    flt = urllib.parse.quote('tag = "c"')
    tagged = api.get(f"{_records(hot)}?perPage=1&filter={flt}", token=ADMIN).json
    assert tagged["totalItems"] == 1 and tagged["items"][0]["id"] == one


QUERIES = [
    "",  # by id, on the table
    "sort=-id",
    "sort=created",
    "sort=-created",
    "sort=-updated",
    "filter=" + urllib.parse.quote('tag = "a"'),  # an index partition, by created
    "filter=" + urllib.parse.quote('tag = "b"') + "&sort=-created",
    "filter=" + urllib.parse.quote("n >= 3"),  # a residual filter on the merged read
    "filter=" + urllib.parse.quote('tag = "a" && n != 2') + "&sort=-id",
    "sort=n,-id",  # sorted in memory
]


@pytest.mark.parametrize("query", QUERIES)
def test_lists_answer_as_the_unsharded_twin(api, twins, query):
    hot, cold = twins
    made = _create_twins(api, twins, 45)
    for per_page in (7, 30):
        for by in ("page", "cursor"):
            hot_ids, hot_totals = walk_list(api, hot, query, per_page, by)
            cold_ids, cold_totals = walk_list(api, cold, query, per_page, by)
            if "created" in query or "updated" in query:
                # created/updated stamps differ between the twins: each must be in its own (stamp, id) order
                for name, listed in ((hot, hot_ids), (cold, cold_ids)):
                    _assert_stamp_order(api, name, listed, query)
                assert sorted(hot_ids) == sorted(cold_ids)
            else:
                assert hot_ids == cold_ids, (query, per_page, by)
            assert len(set(hot_ids)) == len(hot_ids)
            # (an unsharded list may end with an empty page a cursor leads to: DynamoDB can't tell it is the end)
            assert set(hot_totals) == set(cold_totals) == {len(cold_ids)}
    assert len(made) == 45


def _assert_stamp_order(api, name, listed, query):
    stamp = "updated" if "updated" in query else "created"
    records = {}
    for i in range(0, len(listed), 50):
        chunk = listed[i:i + 50]
        flt = urllib.parse.quote(" || ".join(f'id = "{x}"' for x in chunk))
        for r in api.get(f"{_records(name)}?perPage=50&filter={flt}", token=ADMIN).json["items"]:
            records[r["id"]] = (r[stamp], r["id"])
    expected = sorted(listed, key=lambda x: records[x], reverse=f"-{stamp}" in query)
    assert listed == expected


def test_concurrent_writers_and_readers(live, twins):
    """Writers create while readers walk with cursors: no reader sees a record twice or out of order, and once
    the writers are done every record is listed exactly once with the exact total. Over real HTTP (thread-safe)."""
    hot, _ = twins
    stop = threading.Event()
    created: list[str] = []
    problems: list[str] = []

    def write(worker):
        for i in range(25):
            reply = live.post(_records(hot), {"n": i, "tag": "ab"[worker % 2]}, token=ADMIN)
            if reply.status != 200:
                problems.append(f"create: {reply}")
                continue
            created.append(reply.json["id"])

    def read(_):
        while not stop.is_set():
            for query in ("sort=created", ""):
                listed, cursor, keys_seen = [], None, []
                while True:
                    q = f"{query}&perPage=9" + (f"&cursor={cursor}" if cursor else "")
                    reply = live.get(f"{_records(hot)}?{q}", token=ADMIN)
                    if reply.status != 200:
                        problems.append(f"list: {reply}")
                        return
                    page = reply.json["items"]
                    listed += [r["id"] for r in page]
                    keys_seen += [(r["created"], r["id"]) if query else r["id"] for r in page]
                    cursor = reply.json["nextCursor"]
                    if cursor is None:
                        break
                if len(set(listed)) != len(listed):
                    problems.append("listed twice")
                if keys_seen != sorted(keys_seen):
                    problems.append("out of order")

    with ThreadPoolExecutor(8) as pool:
        readers = [pool.submit(read, r) for r in range(2)]
        for f in [pool.submit(write, w) for w in range(6)]:
            f.result()
        stop.set()
        for f in readers:
            f.result()
    assert not problems, problems[:5]
    assert len(created) == 150
    for query in ("", "sort=-created", "filter=" + urllib.parse.quote('tag = "a"')):
        listed, totals = walk_list(live, hot, query, 11, "cursor")
        wanted = created if "tag" not in query else None
        if wanted is not None:
            assert sorted(listed) == sorted(wanted) and totals[0] == 150
        else:
            tags = [live.get(f"{_records(hot)}/{x}", token=ADMIN).json["tag"] for x in listed]
            assert (len(listed), len(set(listed)), totals, set(tags)) == (75, 75, [75] * len(totals), {"a"})


class _Counting:
    """The table, counting the items its Queries return."""

    def __init__(self):
        self.items = 0

    def query(self, *args, **kwargs):
        found, last = table.query(*args, **kwargs)
        self.items += len(found)
        return found, last

    def count(self, *args, **kwargs):
        return table.count(*args, **kwargs)


def test_a_page_reads_about_per_page_items_and_page_40_costs_page_1(api, tmp_path, monkeypatch):
    from chalicelib.records import store
    from chalicelib.records.schema.collections import get_schema

    name = f"wide{ids.new_id()[-6:]}"
    use_collections(tmp_path, monkeypatch, sharding_collection(name, 16))
    per_page, pages = 30, 40
    collection = get_schema().get(name)
    # seeded through the records' one writer, 60 to a transaction (many share a created stamp: ties by id)
    for start in range(0, per_page * pages + 3, 60):
        changes = store.Changes()
        for i in range(start, min(start + 60, per_page * pages + 3)):
            changes.create(collection, store.new(collection, {"n": i}))
        changes.commit()
    assert api.get(f"{_records(name)}?perPage=1", token=ADMIN).json["totalItems"] == per_page * pages + 3
    for sort in ([], [(planner.parse_sort(collection, "-created")[0])]):
        plan = planner.plan(collection, TRUE, sort)
        assert len(plan.partitions) == 16
        start, costs, listed = None, [], []
        for _ in range(pages):
            source = _Counting()
            found, start, _ = paging.read(plan, start, per_page, source=source)
            costs.append(source.items)
            listed += [r.id for r in found]
        assert len(listed) == len(set(listed)) == per_page * pages and start is not None
        assert max(costs) <= 3 * per_page, costs  # perPage plus about one short chunk per shard
        assert costs[-1] <= costs[0] + 16, costs


def test_the_change_feed_spreads_over_the_shards_and_reads_in_cursor_order(api, twins):
    """Each change goes to its record's shard's feed; a read merges the shards by cursor, page after page."""
    import time

    from chalicelib.realtime import feed
    from chalicelib.records import store
    from chalicelib.records.changes import RecordChange

    hot, _ = twins
    made = [api.post(_records(hot), {"n": i}, token=ADMIN).json["id"] for i in range(30)]
    start = time.time() - 60
    cursors = {}
    for i, record_id in enumerate(made):
        change = RecordChange(action="create", collection=hot, id=record_id, old=None,
                              new=store.get(hot, record_id), sequence="", at=0.0)
        cursors[record_id] = feed.append(change, now=start + i * 0.001)
    partitions = {p for p in keys.shard_partitions(keys.change_feed_partition(hot), (SHARDS,))
                  if table.query("#p = :p", names={"#p": "pk"}, values={":p": p}, limit=1)[0]}
    assert len(partitions) > SHARDS / 2  # spread, and never the unsharded FEED#<collection>
    assert not table.query("#p = :p", names={"#p": "pk"}, values={":p": keys.change_feed_partition(hot)})[0]
    since, seen = f"{int(start * 1000) - 1:013d}-0000000000", []
    while True:
        page = api.get(f"/api/realtime/changes?collection={hot}&perPage=7&since={since}", token=ADMIN).json
        seen += [(item["cursor"], item["record"]["id"]) for item in page["items"]]
        since = page["cursor"]
        if not page["more"]:
            break
    assert seen == sorted((cursors[i], i) for i in made)
