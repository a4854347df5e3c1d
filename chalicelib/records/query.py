"""List queries: pick the access path, read one page in O(perPage), remember where the next page starts.

Access paths (all Query, never Scan):
- `id = "…"` in the filter: one GetItem.
- equality on every field of a declared index (PocketBase `indexes`, and each single relation to users):
  gsi<slot>, partition = those values, ordered by created.
- otherwise the whole collection: the table itself (by id = creation order, consistent reads), gsi1 (by created)
  or gsi2 (by updated).
What the path does not cover becomes a FilterExpression; a page then reads until it has perPage matches, at most
MAX_SCANNED items, and a query that would read more is a 400 naming the index to add. A sort no path provides is
done in memory over at most MAX_SCANNED matches, under the same rule.

Sequential `page=N`: after serving page N, the start key of page N+1 is stored in a small TTL'd marker item keyed
by a hash of the query's shape and auth scope, so page N+1 costs one GetItem plus one page of reads, not N pages.
`cursor` (the `nextCursor` of the previous page) carries the start key itself, HMAC-signed with a key derived
from the JWT secret and bound to the query's hash, so it can't be forged or replayed against another query.

Totals: counters kept in the create/delete transactions answer "the whole collection" and "one index value";
other queries count with Select=COUNT under the same MAX_SCANNED bound (or skipTotal).
"""
import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field

from chalicelib.core.errors import BadRequest
from chalicelib.core.settings import get_settings
from chalicelib.records import filter_eval, items
from chalicelib.records.filter_ddb import Builder
from chalicelib.store import keys, table

MAX_SCANNED = 2000
MAX_SORT_EXPRESSIONS = 8  # PocketBase's limit
MARKER_TTL_SECONDS = 3600
COUNTED_EXCLUDED = ("users",)  # users are created by login, outside the records API's counters
ORDER_INDEXES = {"created": "gsi1", "updated": "gsi2"}


@dataclass
class Plan:
    collection: object
    index: str = None  # None = the table
    key_condition: str = None
    filter: str = None
    builder: Builder = None
    forward: bool = True
    get_id: str = None
    residual: tuple = ("const", True)
    memory_sort: list = None
    counter_scope: str = None  # None = no counter covers this query
    empty: bool = False
    shape: dict = field(default_factory=dict)

    @property
    def key_attributes(self):
        if self.index is None:
            return (keys.TABLE_PK, keys.TABLE_SK)
        slot = self.index[3:]
        return (keys.TABLE_PK, keys.TABLE_SK, f"g{slot}pk", f"g{slot}sk")


def parse_sort(collection, text):
    order = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        desc = part.startswith("-")
        name = part.lstrip("+-")
        if name == "@rowid":
            name = "id"
        if name == "@random":
            raise BadRequest("Invalid sort: @random is not supported.", _param_error("sort", "@random is not supported."))
        if not collection.has(name) or (collection.field(name) and collection.field(name).hidden):
            raise BadRequest(f"Invalid sort: unknown field {name!r}.", _param_error("sort", f"Unknown field {name!r}."))
        order.append((name, desc))
    if len(order) > MAX_SORT_EXPRESSIONS:
        raise BadRequest("Invalid sort: too many fields.", _param_error("sort", f"At most {MAX_SORT_EXPRESSIONS}."))
    return order


def _param_error(name, message):
    return {name: {"code": "validation_invalid_value", "message": message}}


def _conjuncts(node):
    if node[0] == "and":
        return list(node[1])
    if node == ("const", True):
        return []
    return [node]


def _equality(term):
    """(field, value) when the term is `field = literal` (or `?=` on a single value) with a non-blank value."""
    if term[0] != "cmp" or term[1] not in ("=", "?=") or term[2][0] != "field" or term[3][0] != "lit":
        return None
    if term[2][2] is not None or term[3][1] in (None, "") or isinstance(term[3][1], (list, dict)):
        return None
    return term[2][1], term[3][1]


def plan(collection, node, sort):
    p = Plan(collection=collection, builder=Builder())
    if node == ("const", False):
        p.empty = True
        return p
    terms = _conjuncts(node)
    equalities = {}
    for term in terms:
        eq = _equality(term)
        if eq and eq[0] not in equalities:
            equalities[eq[0]] = (eq[1], term)
    known = {name: value for name, (value, _) in equalities.items()}
    chosen = [term for _, term in equalities.values()]
    terms = [t if any(t is c for c in chosen) else filter_eval.assume(t, known) for t in terms]
    if ("const", False) in terms:
        p.empty = True
        return p
    terms = [t for t in terms if t != ("const", True)]
    b = p.builder
    if "id" in equalities and isinstance(equalities["id"][0], str):
        p.get_id = equalities["id"][0]
        p.residual = _and([t for t in terms if t is not equalities["id"][1]])
        p.memory_sort = sort or None
        p.shape = {"get": p.get_id}
        return p

    best = None
    for index in collection.indexes:
        if all(name in equalities and not collection.field(name).multiple for name in index.fields):
            if best is None or len(index.fields) > len(best.fields):
                best = index
    used = []
    if best is not None:
        values = [equalities[name][0] for name in best.fields]
        used = [equalities[name][1] for name in best.fields]
        partition = keys.index_partition(collection.name, best.name, items.encode_index_values(values))
        p.index = f"gsi{best.slot}"
        p.key_condition = f"{b.name(f'g{best.slot}pk')} = {b.value(partition)}"
        order_field = "created"
        p.counter_scope = f"{best.name}#{items.encode_index_values(values)}"
    else:
        order_field = sort[0][0] if len(sort) == 1 and sort[0][0] in ORDER_INDEXES else "id"
        if order_field == "id":
            p.key_condition = (f"{b.name(keys.TABLE_PK)} = {b.value(keys.collection_partition(collection.name))} AND "
                               f"begins_with({b.name(keys.TABLE_SK)}, {b.value(keys.RECORD_SK_PREFIX)})")
        else:
            p.index = ORDER_INDEXES[order_field]
            slot = p.index[3:]
            p.key_condition = f"{b.name(f'g{slot}pk')} = {b.value(keys.collection_partition(collection.name))}"
        p.counter_scope = ""
    if not sort:
        p.forward = True
    elif len(sort) == 1 and sort[0][0] == order_field:
        p.forward = not sort[0][1]
    else:
        p.memory_sort = sort
    residual_terms = [t for t in terms if not any(t is u for u in used)]
    p.residual = _and(residual_terms)
    if residual_terms:
        p.filter = b.compile(p.residual)
        p.counter_scope = None
    if collection.name in COUNTED_EXCLUDED:
        p.counter_scope = None
    p.shape = {"c": collection.name, "i": p.index, "k": p.key_condition, "f": p.filter, "fw": p.forward,
               "n": b.names, "v": b.values, "s": sort}
    return p


def _and(terms):
    if not terms:
        return ("const", True)
    return terms[0] if len(terms) == 1 else ("and", terms)


def index_hint(plan_):
    """The CREATE INDEX statement that would let this query read O(perPage) items."""
    fields = []
    for term in _conjuncts(plan_.residual):
        eq = _equality(term)
        f = eq and plan_.collection.field(eq[0])
        if f is not None and eq and not f.multiple and f.type not in ("json", "editor", "file"):
            fields.append(eq[0])
    name = plan_.collection.name
    if not fields:
        return (f"Narrow the filter with `=` on an indexed field of {name} (its indexes: "
                f"{', '.join(i.name for i in plan_.collection.indexes) or 'none'}), or use skipTotal and cursors.")
    return f"Add the index: CREATE INDEX idx_{name}_{'_'.join(fields)} ON {name} ({', '.join(fields)})."


class TooBroad(BadRequest):
    def __init__(self, plan_, what):
        message = f"This query {what} more than {MAX_SCANNED} records of {plan_.collection.name}. {index_hint(plan_)}"
        super().__init__(message, {"filter": {"code": "validation_query_not_indexed", "message": message}})


def _key_of(plan_, item):
    return {name: item[name] for name in plan_.key_attributes}


def read(plan_, start_key, want, budget=MAX_SCANNED):
    """Up to `want` matching items from start_key: (items, next_start_key or None, items_read)."""
    found, scanned, start = [], 0, start_key
    while True:
        chunk = want - len(found) if not plan_.filter else max(want - len(found), min(100, budget - scanned))
        chunk = max(1, min(chunk, budget - scanned + 1))
        batch, last = table.query(plan_.key_condition, names=plan_.builder.names, values=plan_.builder.values,
                                  index=plan_.index, limit=chunk, forward=plan_.forward, start_key=start,
                                  filter_expression=plan_.filter, consistent=plan_.index is None)
        scanned += chunk if last else len(batch)
        for item in batch:
            found.append(item)
            if len(found) == want:
                more = last is not None or item is not batch[-1]
                return found, (_key_of(plan_, item) if more else None), scanned
        if last is None:
            return found, None, scanned
        if scanned > budget:
            raise TooBroad(plan_, "reads")
        start = last


def query_hash(plan_, per_page, scope):
    raw = json.dumps({"shape": plan_.shape, "perPage": per_page, "scope": scope}, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def page_start(qhash, page):
    """(start_key, found): where page `page` starts, from its marker."""
    marker = table.get(keys.page_marker(qhash, page), consistent=False)
    if marker is None or marker.get("exp", 0) < time.time():
        return None, False
    return (json.loads(marker["start"]) if marker.get("start") else None), True


def nearest_marker(qhash, page):
    """The closest earlier page with a marker: (page, start_key); (1, None) when there is none."""
    key = keys.page_marker(qhash, page)
    found, _ = table.query("#pk = :pk AND #sk < :sk", names={"#pk": keys.TABLE_PK, "#sk": keys.TABLE_SK},
                           values={":pk": key[keys.TABLE_PK], ":sk": key[keys.TABLE_SK]}, forward=False, limit=1)
    if found and found[0].get("exp", 0) >= time.time():
        return int(found[0][keys.TABLE_SK][2:]), json.loads(found[0]["start"])
    return 1, None


def remember(qhash, page, start_key):
    table.put({**keys.page_marker(qhash, page), "start": json.dumps(start_key, sort_keys=True),
               "exp": int(time.time()) + MARKER_TTL_SECONDS})


def total(plan_):
    """Items matching the query: a counter when one covers it, else a bounded Select=COUNT."""
    if plan_.counter_scope is not None:
        counter = table.get(keys.record_counter(plan_.collection.name, plan_.counter_scope), consistent=False)
        return max(0, int((counter or {}).get("n", 0)))
    result, scanned, start = 0, 0, None
    while True:
        n, read_now, start = table.count(plan_.key_condition, names=plan_.builder.names, values=plan_.builder.values,
                                         index=plan_.index, filter_expression=plan_.filter, start_key=start,
                                         limit=MAX_SCANNED - scanned + 1)
        result += n
        scanned += read_now
        if start is None:
            return result
        if scanned > MAX_SCANNED:
            raise TooBroad(plan_, "would count")


# --- cursors -----------------------------------------------------------------------------------------------

def _cursor_key():
    secret = get_settings().jwt_secret.reveal().encode()
    return hmac.new(secret, b"wxbase records cursor v1", hashlib.sha256).digest()


def encode_cursor(qhash, position):
    payload = base64.urlsafe_b64encode(json.dumps({"q": qhash, "p": position}, sort_keys=True,
                                                  separators=(",", ":")).encode()).rstrip(b"=")
    mac = base64.urlsafe_b64encode(hmac.new(_cursor_key(), payload, hashlib.sha256).digest()[:18])
    return (payload + b"." + mac).decode()


def decode_cursor(cursor, qhash):
    bad = BadRequest("Invalid cursor: pass the nextCursor of the same query.",
                     {"cursor": {"code": "validation_invalid_cursor", "message": "Invalid or tampered cursor."}})
    if not isinstance(cursor, str) or len(cursor) > 4096 or cursor.count(".") != 1:
        raise bad
    payload, mac = cursor.encode().split(b".")
    expected = base64.urlsafe_b64encode(hmac.new(_cursor_key(), payload, hashlib.sha256).digest()[:18])
    if not hmac.compare_digest(mac, expected):
        raise bad
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
    except ValueError:
        raise bad from None
    if data.get("q") != qhash:
        raise bad
    return data.get("p")
