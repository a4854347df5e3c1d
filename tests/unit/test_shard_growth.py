"""A write-shard count that grew (`"writeShards": [1, 4, 16]`): which partitions a collection's reads merge, which keys
a record may be at, and where an update of an old record writes, built without I/O."""
import zlib

import pytest

from chalicelib.records import store
from chalicelib.records.schema.model import Collection
from chalicelib.store import keys, table


def test_the_partitions_are_the_newest_counts_and_the_unsuffixed_one_when_it_had_one():
    assert keys.shard_partitions("C#c", (1,)) == ["C#c"]
    assert keys.shard_partitions("C#c", (4,)) == [f"C#c#S{k}" for k in range(4)]
    assert keys.shard_partitions("C#c", (1, 4, 16)) == [f"C#c#S{k}" for k in range(16)] + ["C#c"]
    assert keys.shard_partitions("FEED#c", (2, 8)) == [f"FEED#c#S{k}" for k in range(8)]
    assert keys.history_shards((1, 4)) == [0, 1, 2, 3, None]


@pytest.mark.parametrize("history", [(1,), (4,), (1, 4), (1, 4, 16), (2, 8, 64)])
def test_a_records_candidates_are_its_shard_under_each_count_newest_first_and_among_the_partitions(history):
    partitions = set(keys.shard_partitions(keys.collection_partition("c"), history))
    for n in range(200):
        record_id = f"r{n:014d}"
        candidates = keys.record_candidates("c", record_id, history)
        h = zlib.crc32(record_id.encode())
        wanted = list(dict.fromkeys(f"C#c#S{h % c}" if c > 1 else "C#c" for c in reversed(history)))
        assert [k["pk"] for k in candidates] == wanted
        assert {k["sk"] for k in candidates} == {f"R#{record_id}"}
        assert {k["pk"] for k in candidates} <= partitions
        assert candidates[0] == keys.record("c", record_id, history[-1])


def test_the_shard_of_a_record_partition_is_read_back():
    assert keys.shard_in("C#c") is None
    assert keys.shard_in("C#c#S13") == 13
    with pytest.raises(ValueError):
        keys.shard_in("FEED#c#S1")


def _grown():
    return Collection(id="pbc_grown", name="grown", type="base", fields={}, rules={}, shard_history=(1, 4, 16))


def test_a_create_after_growth_goes_to_the_newest_count_and_checks_the_id_is_free_at_the_older_keys():
    grown = _grown()
    record = store.new(grown, {}, record_id="abcdefghijklmno")
    changes = store.Changes()
    position = changes.create(grown, record)
    put, *rest = changes.actions()
    checks = [a["ConditionCheck"] for a in rest if "ConditionCheck" in a]
    h = zlib.crc32(record.id.encode())
    assert table.deserialize(put["Put"]["Item"])["pk"] == f"C#grown#S{h % 16}" and position == 0
    older = [table.deserialize(c["Key"])["pk"] for c in checks]
    assert older == [k["pk"] for k in keys.record_candidates("grown", record.id, (1, 4, 16))[1:]]
    assert all(c["ConditionExpression"] == "attribute_not_exists(pk)" for c in checks)
    another = store.new(grown, {}, record_id="zzzzzzzzzzzzzzz")
    same_shard = keys.shard_of(another.id, 16) == h % 16
    assert changes.cost(grown, None, another) == (len(keys.record_candidates("grown", another.id, (1, 4, 16)))
                                                  + (0 if same_shard else 1))  # its put, checks and shard counter


def test_an_update_and_a_delete_write_where_the_record_was_read_and_move_its_counters_there():
    grown = _grown()
    stored = store.from_items([{"pk": "C#grown", "sk": "R#abcdefghijklmno", "id": "abcdefghijklmno", "v": 3,
                                "collectionName": "grown", "created": "2026-01-01 00:00:00.000Z"}])[0]
    assert stored.partition == "C#grown"
    changes = store.Changes()
    updated = changes.update(grown, stored, {"x": 1})
    update = changes.actions()[0]["Update"]
    assert table.deserialize(update["Key"]) == {"pk": "C#grown", "sk": "R#abcdefghijklmno"}
    assert updated.partition == "C#grown" and updated.derived["g1pk"] == "C#grown"
    changes = store.Changes()
    changes.delete(grown, stored)
    delete, counter = changes.actions()
    assert table.deserialize(delete["Delete"]["Key"])["pk"] == "C#grown"
    assert table.deserialize(counter["Update"]["Key"]) == {"pk": "C#grown", "sk": "#N"}


def test_a_record_deleted_and_created_again_in_one_transaction_stays_where_it_was_read():
    """A batch's delete then create of one id folds into one put at the key the record was read from (an older
    count's), its counters moving nowhere."""
    grown = _grown()
    stored = store.from_items([{"pk": "C#grown", "sk": "R#abcdefghijklmno", "id": "abcdefghijklmno", "v": 3,
                                "collectionName": "grown", "created": "2026-01-01 00:00:00.000Z"}])[0]
    changes = store.Changes()
    changes.delete(grown, stored)
    changes.create(grown, store.new(grown, {"x": 2}, record_id=stored.id))
    (put,) = changes.actions()
    item = table.deserialize(put["Put"]["Item"])
    assert (item["pk"], item["v"], item["data"]) == ("C#grown", 4, {"x": 2})
    assert changes.get("grown", stored.id).partition == "C#grown"
