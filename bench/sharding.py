"""Rows for the throttling model of one hot collection: creates sent through the API, every write they make captured
at botocore's level (table and index partition keys, item sizes), then replayed at a chosen create rate with the
collection's keys spread over 1 and 16 shards. It prints the hottest partition key's share of the write units and
its projected write units per second against DynamoDB's 1,000 per partition, and the shards that rate needs. The
measured writer's own keys (its user id and openid in them) are spread over PEOPLE writers in the replay.

Write units as DynamoDB bills them: 1 per KB written, twice that inside a transaction; an index entry costs its
index 1 per KB of the projected item. The change feed's entry (FEED#<collection>, one put per change by the
realtime step) is added to each create at the record's size. A key is "of the collection" when it starts with
C#<collection> or FEED#<collection>; under N shards each such key becomes N keys, a create landing on one by its
record id, as the writeShards design in docs/data-model.md spreads them.
"""
import hashlib
import json
import math
from collections import Counter

from bench.harness import sign_in

CREATES = 40  # measured through the API
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


def _measure(client, token, user_id, collection):
    capture = WriteCapture()
    creates = []
    for i in range(CREATES):
        start = len(capture.writes)
        reply = client.http.post(f"/api/collections/{collection}/records",
                                 headers={"Content-Type": "application/json", "Authorization": token},
                                 body=json.dumps({"title": f"hot {i}", "status": "published", "owner": user_id,
                                                  "content": "x" * 200}).encode())
        assert reply.status_code == 200, reply.body
        record = json.loads(reply.body)
        writes = list(capture.writes[start:])
        writes.append((f"table:FEED#{collection}", _size_kb(record)))
        creates.append(writes)
    return creates


def _hottest(creates, collection, shards, person):
    load = Counter()
    for n in range(REPLAYED):
        writes = creates[n % len(creates)]
        shard = int(hashlib.blake2b(str(n).encode(), digest_size=4).hexdigest(), 16) % shards
        for key, units in writes:
            for own in person:
                key = key.replace(own, f"person{n % PEOPLE}")
            of_collection = key.split(":", 1)[1].startswith((f"C#{collection}", f"FEED#{collection}"))
            load[f"{key}#S{shard}" if of_collection and shards > 1 else key] += units
    key, units = load.most_common(1)[0]
    return key, units / sum(load.values()), units / REPLAYED * RATE


def rows(stack):
    from chalice.test import Client

    import app

    with Client(app.app, stage_name="local") as client:
        from chalicelib.store import identities

        token, user_id = sign_in(client, "bench-sharding")
        creates = _measure(client, token, user_id, "posts")
        person = [user_id, *(i["openid"] for i in identities.identities(user_id))]
    per_create = sum(u for w in creates for _, u in w) / len(creates)
    yield ("sharding", "write units per create (posts, measured)", f"{per_create:.1f}", "",
           f"{sum(len(w) for w in creates) / len(creates):.1f} writes per create over table and index keys")
    for shards in (1, 16):
        key, share, wcu = _hottest(creates, "posts", shards, person)
        needed = math.ceil(wcu * shards / PARTITION_WCU)
        yield ("sharding", f"hottest key's share of write units, {shards} shard(s)", f"{share:.1%}", "",
               f"{key.split(':', 1)[0]} {key.split(':', 1)[1].split('#S')[0][:24]}")
        yield ("sharding", f"… its write units/s at {RATE:,} creates/s, {shards} shard(s)", f"{wcu:,.0f}",
               f"{wcu / PARTITION_WCU:.2f}", f"ratio to 1,000 per partition; {needed} shards would keep it under")
