"""Parity cases of the batch API (`pb.createBatch()`, `POST /api/batch`): what commits, what a failing request
rolls back, each request under its collection's rules, unique values and relations across the batch, the SDK's
options per request, and the answers to a malformed batch. Every case writes records of its own."""


def batch(step, as_, *requests):
    return step("batch", None, as_, requests=list(requests))


def req(action, collection, record_id=None, body=None, **options):
    out = {"action": action, "collection": collection}
    if record_id is not None:
        out["id"] = record_id
    if body is not None:
        out["body"] = body
    if options:
        out["options"] = options
    return out


def add_cases(c, step, create, update, view):
    def post(title="p", status="published", owner="{{owner}}"):
        return {"id": c.new_id("bp"), "title": title, "status": status, "owner": owner}

    kept, gone, made, upserted = post("kept"), post("gone"), post("made"), post("upserted")
    c.add("batch/create update delete upsert as owner", create("posts", kept), create("posts", gone),
          batch(step, "owner", req("create", "posts", body=made), req("update", "posts", kept["id"], {"title": "new"}),
                req("delete", "posts", gone["id"]), req("upsert", "posts", body=upserted)),
          view("posts", made["id"], "admin"), view("posts", kept["id"], "admin"), view("posts", gone["id"], "admin"),
          writes=True)
    stored = post("stored")
    c.add("batch/upsert of a stored id updates it", create("posts", stored),
          batch(step, "owner", req("upsert", "posts", body={"id": stored["id"], "title": "upserted"})),
          view("posts", stored["id"], "admin"), writes=True)
    first, target = post("rolled back"), post("untouched")
    c.add("batch/a failing request rolls back the others", create("posts", target),
          batch(step, "owner", req("create", "posts", body=first),
                req("update", "posts", target["id"], {"title": "changed"}),
                req("create", "posts", body={**post(), "status": "nonsense"})),
          view("posts", first["id"], "admin"), view("posts", target["id"], "admin"), writes=True)
    theirs = post("theirs", owner="{{other}}")
    c.add("batch/update rule hides another's record", create("posts", theirs),
          batch(step, "owner", req("update", "posts", theirs["id"], {"title": "mine"})), writes=True)
    c.add("batch/create rule refuses a guest", batch(step, "guest", req("create", "posts", body=post())),
          writes=True)
    c.add("batch/locked rule", batch(step, "owner", req("delete", "users", "{{owner}}")), writes=True)
    c.add("batch/admin passes every rule", create("posts", dict(theirs, id=c.new_id("bp"))),
          batch(step, "admin", req("create", "categories", body={"id": c.new_id("bc"), "name": "by batch"})),
          writes=True)
    parent = post("parent")
    comment = {"id": c.new_id("bm"), "post": parent["id"], "author": "{{owner}}", "text": "same batch"}
    c.add("batch/relation to a record created earlier in the batch",
          batch(step, "owner", req("create", "posts", body=parent), req("create", "comments", body=comment)),
          view("comments", comment["id"], "admin"), writes=True)
    c.add("batch/relation to a missing record", batch(step, "owner", req("create", "comments", body={
        "post": "zzzzzzzzzzzzzzz", "author": "{{owner}}", "text": "x"})), writes=True)
    slug = f"batch-slug-{c.new_id('s')}"
    c.add("batch/unique value twice in one batch",
          batch(step, "admin", req("create", "articles", body={"id": c.new_id("ba"), "title": "a", "slug": slug}),
                req("create", "articles", body={"id": c.new_id("ba"), "title": "b", "slug": slug})), writes=True)
    taken = {"id": c.new_id("ba"), "title": "taken", "slug": f"batch-taken-{c.new_id('s')}"}
    c.add("batch/unique value already stored", create("articles", taken),
          batch(step, "admin", req("create", "articles", body={"id": c.new_id("ba"), "title": "c",
                                                               "slug": taken["slug"]})), writes=True)
    shaped = post("shaped")
    c.add("batch/fields and expand per request", create("posts", shaped),
          batch(step, "owner", req("update", "posts", shaped["id"], {"title": "shaped"}, fields="id,title,expand",
                                   expand="owner")), writes=True)
    note = {"id": c.new_id("bn"), "title": "note", "priority": 1, "owner": "{{owner}}"}
    note2 = {**note, "id": c.new_id("bn")}
    c.add("batch/query of a request reaches its rule", create("notes", note), create("notes", note2),
          batch(step, "owner", req("delete", "notes", note["id"], confirm="yes")),
          batch(step, "owner", req("delete", "notes", note2["id"])), writes=True)
    c.add("batch/delete of a missing record", batch(step, "admin", req("delete", "posts", "zzzzzzzzzzzzzzz")),
          writes=True)
    c.add("batch/unknown collection", batch(step, "admin", req("create", "nope", body={"title": "x"})), writes=True)
    twice = post("twice")
    c.add("batch/one record updated twice", create("posts", twice),
          batch(step, "owner", req("update", "posts", twice["id"], {"title": "one"}),
                req("update", "posts", twice["id"], {"title": "two"})), view("posts", twice["id"], "admin"),
          writes=True)
    fresh = post("created then changed")
    c.add("batch/record created then updated in one batch",
          batch(step, "owner", req("create", "posts", body=fresh),
                req("update", "posts", fresh["id"], {"title": "changed"})), writes=True)
    ended = post("updated then deleted")
    c.add("batch/record updated then deleted", create("posts", ended),
          batch(step, "owner", req("update", "posts", ended["id"], {"title": "last"}),
                req("delete", "posts", ended["id"])), view("posts", ended["id"], "admin"), writes=True)
    fleeting = post("created then deleted")
    c.add("batch/record created then deleted", batch(step, "owner", req("create", "posts", body=fleeting),
                                                     req("delete", "posts", fleeting["id"])),
          view("posts", fleeting["id"], "admin"), writes=True)
    reborn = post("deleted then created")
    c.add("batch/record deleted then created again", create("posts", reborn),
          batch(step, "owner", req("delete", "posts", reborn["id"]),
                req("create", "posts", body={**reborn, "title": "reborn", "status": "draft"})),
          view("posts", reborn["id"], "admin"), writes=True)
    lost = post("deleted then updated")
    c.add("batch/record deleted then updated", create("posts", lost),
          batch(step, "owner", req("delete", "posts", lost["id"]), req("update", "posts", lost["id"], {"title": "x"})),
          view("posts", lost["id"], "admin"), writes=True)
    doubled = post("created twice")
    c.add("batch/record created twice", batch(step, "owner", req("create", "posts", body=doubled),
                                              req("create", "posts", body=doubled)),
          view("posts", doubled["id"], "admin"), writes=True)
    upsert_twice = post("upserted twice")
    c.add("batch/record upserted twice", batch(step, "owner", req("upsert", "posts", body=upsert_twice),
                                               req("upsert", "posts", body={"id": upsert_twice["id"], "title": "2"})),
          view("posts", upsert_twice["id"], "admin"), writes=True)
    parent = post("cascaded in the batch")
    comment = {"id": c.new_id("bc"), "post": parent["id"], "author": "{{owner}}", "text": "goes with its post"}
    c.add("batch/record created then removed by a delete's cascade",
          batch(step, "owner", req("create", "posts", body=parent), req("create", "comments", body=comment),
                req("delete", "posts", parent["id"])), view("comments", comment["id"], "admin"), writes=True)
    half = req("create", "texts", body={"long": "z" * 600_000}, fields="id")
    c.add("batch/a body over 1 MiB", batch(step, "admin", half, half), writes=True)
    c.add("batch/create with a file", batch(step, "owner", {
        **req("create", "items", body={"id": c.new_id("bi"), "title": "with file", "owner": "{{owner}}"}),
        "files": {"cover": [{"name": "c.txt", "type": "text/plain", "text": "hello"}]}}), writes=True)
    # the raw form, as a client other than the SDK may send it
    send = {"op": "send", "as": "admin", "path": "/api/batch", "method": "POST"}
    c.add("batch/empty requests", dict(send, body={"requests": []}), writes=True)
    c.add("batch/no requests key", dict(send, body={}), writes=True)
    c.add("batch/51 requests", dict(send, body={"requests": [
        {"method": "DELETE", "url": "/api/collections/posts/records/zzzzzzzzzzzzzzz"}] * 51}), writes=True)
    for name, method, url in (("list url", "GET", "/api/collections/posts/records"),
                              ("health url", "POST", "/api/health"),
                              ("patch without id", "PATCH", "/api/collections/posts/records")):
        c.add(f"batch/{name} fails its request", dict(send, body={"requests": [
            {"method": "POST", "url": "/api/collections/categories/records", "body": {"name": "x"}},
            {"method": method, "url": url}]}), writes=True)
