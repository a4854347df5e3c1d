"""Rows for records: DynamoDB requests and items read per operation, and page 1 vs page 50 of 10,000 records."""
from bench.harness import RequestCounter, size

SEEDED = size(10_000, 1_600)  # page 50 of 30 needs 1,500
PER_PAGE = 30


class ItemsRead:
    """Items DynamoDB read per call (Query: ScannedCount; GetItem: 1; BatchGetItem: items), from responses."""

    def __init__(self):
        from chalicelib.core import aws

        self.total = 0
        aws.client("dynamodb").meta.events.register("after-call.dynamodb", self._record)

    def _record(self, parsed, model, **kwargs):
        if model.name == "Query":
            self.total += parsed.get("ScannedCount", 0)
        elif model.name == "GetItem":
            self.total += 1 if parsed.get("Item") else 0
        elif model.name == "BatchGetItem":
            self.total += sum(len(v) for v in parsed.get("Responses", {}).values())


def _seed(collection_name, owner_id):
    """10,000 posts written straight to the table in the records' own layout (faster than 10,000 API calls)."""
    from chalicelib.core import aws
    from chalicelib.core.settings import get_settings
    from chalicelib.records import store
    from chalicelib.records.schema.collections import get_schema
    from chalicelib.store import keys, table

    collection = get_schema().get(collection_name)
    client, name = aws.client("dynamodb"), get_settings().table_name
    batch = []
    for i in range(SEEDED):
        data = {"title": f"post {i}", "content": "", "cover": "", "status": "published", "tags": [], "views": i,
                "owner": owner_id}
        changes = store.Changes()
        changes.create(collection, store.new(collection, data))
        batch.append({"PutRequest": {"Item": changes.actions()[0]["Put"]["Item"]}})
        if len(batch) == 25:
            client.batch_write_item(RequestItems={name: batch})
            batch = []
    by_index = {index.name: index for index in collection.indexes}
    for scope in ("", store.index_scope(by_index["owner_owner"], [owner_id]),
                  store.index_scope(by_index["idx_posts_status"], ["published"])):
        table.update(keys.record_counter(collection.name, scope), "ADD #n :d", names={"#n": "n"},
                     values={":d": SEEDED}, return_values="NONE")


def rows(stack):
    import json

    from chalice.test import Client

    import app
    from chalicelib.core import settings

    requests, read = RequestCounter("dynamodb"), ItemsRead()
    appid = settings.get_settings().miniprograms[0].appid
    admin = settings.get_settings().admin_key_set()
    admin = next(iter(admin))
    with Client(app.app, stage_name="local") as client:
        def call(method, path, body=None, token=None):
            headers = {"Content-Type": "application/json", **({"Authorization": token} if token else {})}
            with requests.measure() as calls:
                before = read.total
                reply = client.http.request(method, path, headers=headers,
                                            body=json.dumps(body).encode() if body is not None else b"")
                assert reply.status_code in (200, 204), reply.body
            return (json.loads(reply.body) if reply.body else None), calls, read.total - before

        login = json.loads(client.http.post("/api/wechat/login", headers={"Content-Type": "application/json"},
                                            body=json.dumps({"code": "sandbox-bench-records", "appid": appid})
                                            .encode()).body)
        token, me = login["token"], login["record"]["id"]
        posts = "/api/collections/posts/records"
        created, calls, items_read = call("POST", posts, {"title": "bench", "status": "published"}, token)
        yield ("records", "create: DynamoDB requests / items read", f"{len(calls)} / {items_read}", "",
               ", ".join(calls) + " (record + counters in one transaction)")
        _, calls, items_read = call("GET", f"{posts}/{created['id']}", token=token)
        yield ("records", "get: DynamoDB requests / items read", f"{len(calls)} / {items_read}", "", ", ".join(calls))
        _, calls, items_read = call("PATCH", f"{posts}/{created['id']}", {"views+": 1}, token)
        yield ("records", "update: DynamoDB requests / items read", f"{len(calls)} / {items_read}", "",
               ", ".join(calls) + " (conditional on version + rule)")
        _, calls, items_read = call("DELETE", f"{posts}/{created['id']}", token=token)
        yield ("records", "delete: DynamoDB requests / items read", f"{len(calls)} / {items_read}", "",
               ", ".join(calls))

        _seed("posts", me)
        mine = f'{posts}?perPage={PER_PAGE}&filter=owner="{me}"&sort=-created'
        _, calls, first = call("GET", mine + "&page=1", token=token)
        yield ("records", f"list page 1 of {SEEDED:,} (owner index, with total): requests / items read",
               f"{len(calls)} / {first}", "", ", ".join(calls))
        for page in range(2, 50):
            call("GET", f"{mine}&page={page}&skipTotal=1", token=token)
        page50, calls, fiftieth = call("GET", f"{mine}&page=50&skipTotal=1", token=token)
        assert len(page50["items"]) == PER_PAGE
        yield ("records", "list page 50, pages read in order: requests / items read", f"{len(calls)} / {fiftieth}",
               f"{fiftieth / max(first, 1):.2f}x page 1", ", ".join(calls) + " (start key from page 49's marker)")
        _, calls, cursor_read = call("GET", f"{mine}&skipTotal=1&cursor={page50['nextCursor']}", token=token)
        yield ("records", "list page 51 by cursor: requests / items read", f"{len(calls)} / {cursor_read}",
               f"{cursor_read / max(first, 1):.2f}x page 1", ", ".join(calls))
        whole = f"{posts}?perPage={PER_PAGE}&sort=-created"
        _, calls, admin_first = call("GET", whole + "&page=1", token=admin)
        yield ("records", "list whole collection by -created (gsi1), page 1 with total: items read",
               admin_first, "", ", ".join(calls) + " (total from the collection counter)")
        _, calls, cold = call("GET", whole + "&page=50&skipTotal=1", token=admin)
        yield ("records", "list page 50 with no earlier page read (bounded skip): items read", cold,
               f"{cold / max(admin_first, 1):.1f}x page 1", "reads past 49 pages once, then markers take over")
