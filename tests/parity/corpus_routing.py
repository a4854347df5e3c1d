"""Parity cases of routing and the auth endpoints: methods and paths PocketBase's router has no route for, collection
names in any case, bodies of an unsupported Content-Type."""
from tests.parity.fixtures import rid

RECORDS = "/api/collections/items/records"
REFRESH = "/api/collections/users/auth-refresh"


def send(as_, path, method="GET", body=None, **options):
    out = {"op": "send", "as": as_, "path": path, "method": method}
    if body is not None:
        out["body"] = body
    if options:
        out["options"] = options
    return out


def add_cases(c, lst, view):
    one = rid("itm", 1)
    for method, path in (("PUT", RECORDS), ("DELETE", RECORDS), ("PUT", f"{RECORDS}/{one}"),
                         ("POST", f"{RECORDS}/{one}"), ("POST", "/api/health"), ("DELETE", "/api/health"),
                         ("GET", REFRESH)):
        c.add(f"routing/{method} {path}", send("admin", path, method))
    for method, path in (("GET", f"{RECORDS}/"), ("GET", f"{RECORDS}/{one}/"), ("GET", "/api/health/"),
                         ("GET", "/api/collections/ITEMS/records/")):
        c.add(f"routing/{method} {path}", send("admin", path, method))
    c.add("routing/collection name in capitals", lst("ITEMS", "admin", sort="id", fields="id,collectionName"))
    c.add("routing/collection name in mixed case", view("Posts", rid("pst", 1), "owner"))
    c.add("routing/unknown collection in capitals", lst("NOSUCH", "admin"))
    for content_type in ("text/plain", "application/xml", "APPLICATION/JSON", "text/json"):
        c.add(f"routing/create with Content-Type {content_type}",
              send("admin", RECORDS, "POST", '{"title": "typed"}', headers={"Content-Type": content_type}))
    c.add("routing/slashed create", send("admin", f"{RECORDS}/", "POST", {"title": "slashed"}), writes=True)

