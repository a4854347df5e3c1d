"""Parity cases of routing and the auth endpoints: methods and paths PocketBase's router has no route for, collection
names in any case, bodies of an unsupported Content-Type, auth-refresh with `fields`/`expand` and as a superuser,
auth-methods, and the collections list's `filter`, `sort` and `fields` (filters leave out the collections only one
side has: PocketBase's system collections and wxbase's `payments`); list parameters with odd values and expand
paths with odd punctuation."""
from tests.parity.fixtures import rid

RECORDS = "/api/collections/items/records"
REFRESH = "/api/collections/users/auth-refresh"
OWN_FIELDS = "record.id,record.collectionName,record.bio,record.level"


def send(as_, path, method="GET", body=None, **options):
    out = {"op": "send", "as": as_, "path": path, "method": method}
    if body is not None:
        out["body"] = body
    if options:
        out["options"] = options
    return out


PAGING = {  # as sent in the query string: Go's strconv reads them
    "skipTotal": ("1", "true", "TRUE", "True", "t", "T", "0", "f", "FALSE", "", "yes", "2", " true", "tRuE", "on"),
    "page": ("0", "-1", "01", "+2", "1.5", "abc", " 1", "1e2", "1_0", "٣", "99999999999999999999", "9223372036854775807"),
    "perPage": ("0", "-5", "1001", "2.0", "0x10", "", "007", "99999999999999999999"),
}
EXPANDS = ("owner,", ",owner", "owner,,category", " owner ", "owner.", ".owner", "owner..x", "owner;category",
           "owner|category", "owner:x", "category.parent.", "category , owner", "OWNER", "owner,owner",
           "category.parent,category", "refs.owner", "*", "own er", "category. parent", "..owner..", "category..parent", "owner\tcategory")


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
              send("admin", RECORDS, "POST", '{"title": "x"}', headers={"Content-Type": content_type}))  # stores nothing
    c.add("routing/slashed create", send("admin", f"{RECORDS}/", "POST", {"title": "slashed"}), writes=True)
    # an empty body is no data whatever its Content-Type (PocketBase reads nothing when Content-Length is 0)
    plain = {"Content-Type": "text/plain"}
    c.add("routing/create with Content-Type text/plain and no body",
          send("admin", RECORDS, "POST", "", headers=plain))  # title is required: stores nothing
    c.add("routing/create of a record needing nothing, text/plain and no body",
          send("admin", "/api/collections/texts/records", "POST", "", headers=plain, fields="short"), writes=True)
    texts, kept = "/api/collections/texts/records", c.new_id("txt")
    c.add("routing/update with Content-Type text/plain and no body",
          send("admin", texts, "POST", {"id": kept, "short": "kept"}, fields="id"),
          send("admin", f"{texts}/{kept}", "PATCH", "", headers=plain, fields="id,short"), writes=True)
    c.add("routing/create with JSON and no body", send("admin", RECORDS, "POST", "",
                                                       headers={"Content-Type": "application/json"}))

    refreshed = {"mask": ["token"]}
    c.add("auth/refresh with fields", send("owner", REFRESH, "POST", query={"fields": OWN_FIELDS}), **refreshed)
    c.add("auth/refresh with only the token field", send("owner", REFRESH, "POST", query={"fields": "token"}),
          **refreshed)
    c.add("auth/refresh with record.* fields", send("owner", REFRESH, "POST", query={"fields": "record.id"}),
          **refreshed)
    c.add("auth/refresh with an unknown expand", send("owner", REFRESH, "POST",
                                                       query={"fields": OWN_FIELDS, "expand": "nope"}), **refreshed)
    c.add("auth/refresh in capitals", send("owner", "/api/collections/USERS/auth-refresh", "POST",
                                           query={"fields": OWN_FIELDS}), **refreshed)
    c.add("auth/refresh as superuser", send("admin", REFRESH, "POST"))
    c.add("auth/refresh as guest", send("guest", REFRESH, "POST"))
    c.add("auth/refresh at a base collection", send("owner", "/api/collections/items/auth-refresh", "POST"))
    c.add("auth/refresh at an unknown collection", send("owner", "/api/collections/nosuch/auth-refresh", "POST"))
    c.add("auth/methods of users", send("guest", "/api/collections/users/auth-methods"))
    c.add("auth/methods oauth2 and mfa", send("guest", "/api/collections/users/auth-methods",
                                              query={"fields": "oauth2,mfa,otp"}))
    c.add("auth/methods mfa and otp", send("guest", "/api/collections/users/auth-methods",
                                           query={"fields": "mfa,otp"}))
    c.add("auth/methods of a base collection", send("guest", "/api/collections/items/auth-methods"))
    c.add("auth/methods of an unknown collection", send("guest", "/api/collections/nosuch/auth-methods"))

    listing = {
        "by name": {"filter": "name = 'items'", "fields": "id,name,type"},
        "by id": {"filter": "id = 'pbc_parity_items'", "fields": "name"},
        "like and or sorted": {"filter": "name ~ 'it' || name = 'posts'", "sort": "-name", "fields": "name"},
        "auth not system": {"filter": "type = 'auth' && system = false", "fields": "name,system"},
        "sorted by name": {"filter": "system = false && name != 'payments'", "sort": "name", "fields": "name"},
        "sorted by type then name": {"filter": "system = false && name != 'payments'", "sort": "type,-name",
                                     "fields": "name,type"},
        "paged": {"filter": "system = false && name != 'payments'", "sort": "name", "fields": "name",
                  "page": "2", "perPage": "3"},
        "a rule column": {"filter": "listRule = ''"},
        "a fields column": {"filter": "fields.name = 'x'"},
        "an unknown sort": {"sort": "nope"},
        "a name in capitals": {"filter": "NAME = 'items'"},
    }
    for name, query in listing.items():
        c.add(f"collections/list {name}", send("admin", "/api/collections", query=query))
    c.add("collections/list as guest", send("guest", "/api/collections"))
    c.add("collections/list as a user", send("owner", "/api/collections"))
    c.add("collections/view in capitals", send("admin", "/api/collections/ITEMS", query={"fields": "id,name"}))

    for name, values in PAGING.items():
        for value in values:
            c.add(f"params/{name}={value!r}", send("admin", RECORDS, query={name: value, "fields": "id",
                                                                            "sort": "id", "perPage": "2"}
                                                                            if name != "perPage" else
                                                                            {name: value, "fields": "id",
                                                                             "sort": "id"}))
    for value in EXPANDS:
        c.add(f"params/expand={value!r}", view("items", one, "admin", expand=value,
                                                 fields="id,expand.owner.id,expand.category.id,"
                                                        "expand.category.expand.parent.id,expand.refs.id"))
