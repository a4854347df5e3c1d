"""Rows for the throttling model of one hot collection: creates sent through the API to `posts` (one shard) and to
a twin of it declared with `"wxbase": {"writeShards": 16}`, every write they make captured at botocore's level
(table and index partition keys as the app wrote them, item sizes), then replayed at a chosen create rate. It prints the hottest partition key's share of the write units and
its projected write units per second against DynamoDB's 1,000 per partition, and the shards that rate needs. The
measured writer's own keys (its user id and openid in them) are spread over PEOPLE writers in the replay.

Write units as DynamoDB bills them: 1 per KB written, twice that inside a transaction; an index entry costs its
index 1 per KB of the projected item. The change feed's entry (one put per change by the realtime step, in the
record's shard's feed) is added to each create at the record's size. A replayed create of the sharded twin is one
measured create moved to the shard `keys.shard_of` gives a fresh id: the `#S<k>` ending of each of its keys of the
collection (C#<collection>…, FEED#<collection>…) becomes that shard's.
"""
import json
import math
import os
import re
import tempfile
from collections import Counter

from bench.harness import sign_in

CREATES = 40  # measured through the API, per collection
SHARDED = "hotposts"  # the 16-shard twin of posts
SHARDS = 16
PEOPLE = 10_000  # writers the replay spreads the measured user's own keys over (a launch, not one script)
REPLAYED = 200_000  # creates replayed per shard count
RATE = 10_000  # creates per second the model projects
PARTITION_WCU = 1000


def _size_kb(item):
    return max(1, math.ceil(len(json.dumps(item, default=str)) / 1024))


def _gsi_keys(item):
    return [f"{name[:-2]}:{value['S']}" for name, value in item.items()
            if name.startswith("g") and name.endswith("pk") and "S" in value]


class WriteCapture:
    """Each create's writes as (partition key, write units), from the requests botocore is about to send."""

    def __init__(self):
        from chalicelib.core import aws

        self.writes = []
        aws.client("dynamodb").meta.events.register("provide-client-params.dynamodb", self._record)

    def _record(self, params, model, **kwargs):
        if model.name == "TransactWriteItems":
            for action in params.get("TransactItems", []):
                self._action(action, transactional=True)
        elif model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            self._action({model.name[:-4]: params}, transactional=False)

    def _action(self, action, transactional):
        (kind, body), = action.items()
        if kind == "ConditionCheck":
            self.writes.append((f"table:{body['Key']['pk']['S']}", 0.5 * 2))  # a read unit, billed as a transaction
            return
        item = body.get("Item") or body.get("Key") or {}
        units = _size_kb(item) * (2 if transactional else 1)
        self.writes.append((f"table:{(body.get('Item') or body['Key'])['pk']['S']}", units))
        for key in _gsi_keys(body.get("Item", {})):
            self.writes.append((key, _size_kb(item)))


def _measure(client, token, user_id, collection, shards):
    from chalicelib.store import keys

    def create(i):
        reply = client.http.post(f"/api/collections/{collection}/records",
                                 headers={"Content-Type": "application/json", "Authorization": token},
                                 body=json.dumps({"title": f"hot {i}", "status": "published", "owner": user_id,
                                                  "content": "x" * 200}).encode())
        assert reply.status_code == 200, reply.body
        return json.loads(reply.body)

    create(-1)  # a process's first create also records the collection's shard count: once, not per create
    capture = WriteCapture()
    creates = []
    for i in range(CREATES):
        start = len(capture.writes)
        record = create(i)
        writes = list(capture.writes[start:])
        feed = keys.change_feed_partition(collection, keys.shard_of(record["id"], shards))
        writes.append((f"table:{feed}", _size_kb(record)))
        creates.append(writes)
    return creates


def _hottest(creates, collection, shards, person):
    from chalicelib.store import keys

    load = Counter()
    for n in range(REPLAYED):
        writes = creates[n % len(creates)]
        shard = keys.shard_of(f"replayed{n:09d}", shards)
        for key, units in writes:
            for own in person:
                key = key.replace(own, f"person{n % PEOPLE}")
            if shard is not None and key.split(":", 1)[1].startswith((f"C#{collection}#", f"FEED#{collection}#")):
                key = _SHARD_ENDING.sub(f"#S{shard}", key)
            load[key] += units
    key, units = load.most_common(1)[0]
    return key, units / sum(load.values()), units / REPLAYED * RATE


_SHARD_ENDING = re.compile(r"#S\d+$")


def _collections_with_sharded_twin(directory):
    """The shipped collections plus `hotposts`: posts with 16 write shards."""
    from chalicelib.core.settings import default_collections_path

    with open(os.environ.get("WXBASE_COLLECTIONS") or default_collections_path()) as f:
        raw = json.load(f)
    posts = next(c for c in raw if c["name"] == "posts")
    twin = {**posts, "id": "pbc_hotposts", "name": SHARDED, "wxbase": {"writeShards": SHARDS},
            "indexes": [i.replace("posts", SHARDED) for i in posts.get("indexes", [])]}
    path = os.path.join(directory, "collections.json")
    with open(path, "w") as f:
        json.dump(raw + [twin], f)
    return path


def rows(stack):
    from chalice.test import Client

    import app

    before = os.environ.get("WXBASE_COLLECTIONS")
    with tempfile.TemporaryDirectory() as directory:
        os.environ["WXBASE_COLLECTIONS"] = _collections_with_sharded_twin(directory)
        try:
            with Client(app.app, stage_name="local") as client:
                from chalicelib.store import identities

                token, user_id = sign_in(client, "bench-sharding")
                measured = {1: _measure(client, token, user_id, "posts", 1),
                            SHARDS: _measure(client, token, user_id, SHARDED, SHARDS)}
                person = [user_id, *(i["openid"] for i in identities.identities(user_id))]
        finally:
            if before is None:
                os.environ.pop("WXBASE_COLLECTIONS", None)
            else:
                os.environ["WXBASE_COLLECTIONS"] = before
    creates = measured[1]
    per_create = sum(u for w in creates for _, u in w) / len(creates)
    yield ("sharding", "write units per create (posts, measured)", f"{per_create:.1f}", "",
           f"{sum(len(w) for w in creates) / len(creates):.1f} writes per create over table and index keys")
    for shards, collection in ((1, "posts"), (SHARDS, SHARDED)):
        key, share, wcu = _hottest(measured[shards], collection, shards, person)
        needed = math.ceil(wcu * shards / PARTITION_WCU)
        yield ("sharding", f"hottest key's share of write units, {shards} shard(s)", f"{share:.1%}", "",
               f"{key.split(':', 1)[0]} {key.split(':', 1)[1].split('#S')[0][:24]}")
        yield ("sharding", f"… its write units/s at {RATE:,} creates/s, {shards} shard(s)", f"{wcu:,.0f}",
               f"{wcu / PARTITION_WCU:.2f}", f"ratio to 1,000 per partition; {needed} shards would keep it under")
