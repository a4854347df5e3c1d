"""How a record is stored: one DynamoDB item per record.

Item attributes: the key (keys.record), `id`, `collectionId`, `collectionName`, `v` (version, bumped on every
write so updates can be conditional on it), `created`/`updated` (PocketBase datetimes), `data` (the field
values) and the index attributes `g1pk`..`g6sk` (see records/query.py). Attributes starting with an underscore
never leave the server (`_tokenKey` of users); neither do keys, index attributes or the version.
"""
import hashlib
import json

from chalicelib.core import clock, ids
from chalicelib.store import keys

LOWERCASED = "lc"  # the item attribute holding lowercased text values (never shown)
SYSTEM_FIELDS = ("id", "collectionId", "collectionName", "created", "updated")
MAX_INDEX_VALUE_LENGTH = 400


def new_item(collection_id, collection_name, data, record_id=None, extra=None, collection=None):
    now = clock.pb_datetime()
    record_id = record_id or ids.new_id()
    item = {
        **keys.record(collection_name, record_id),
        "id": record_id,
        "collectionId": collection_id,
        "collectionName": collection_name,
        "v": 1,
        "created": now,
        "updated": now,
        "data": dict(data),
    }
    item.update(extra or {})
    item.update(index_attributes(collection or _collection(collection_name), item))
    return item


def _collection(name):
    from chalicelib.records.collections import get_schema

    return get_schema().get(name)


def encode_index_values(values):
    """The equality part of an index partition key: canonical JSON, hashed when long."""
    canonical = [int(v) if isinstance(v, float) and v.is_integer() else v for v in values]
    text = json.dumps(canonical, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    if len(text) > MAX_INDEX_VALUE_LENGTH:
        return "h:" + hashlib.sha256(text.encode()).hexdigest()
    return text


def index_values(index, data):
    """The values an item holds for an index, or None when one is blank (the index is sparse)."""
    values = [data.get(name) for name in index.fields]
    if any(v in (None, "", []) for v in values):
        return None
    return values


def index_attributes(collection, item):
    """gsi1: collection by created; gsi2: by updated; gsi3..: one per declared index (equality, by created)."""
    name, record_id = item["collectionName"], item["id"]
    attrs = {
        "g1pk": keys.collection_partition(name), "g1sk": keys.record_order(item["created"], record_id),
        "g2pk": keys.collection_partition(name), "g2sk": keys.record_order(item["updated"], record_id),
    }
    for index in getattr(collection, "indexes", ()):
        values = index_values(index, item["data"])
        if values is not None:
            attrs[f"g{index.slot}pk"] = keys.index_partition(name, index.name, encode_index_values(values))
            attrs[f"g{index.slot}sk"] = keys.record_order(item["created"], record_id)
    attrs[LOWERCASED] = lowercased(collection, item["data"])
    return attrs


def lowercased(collection, data):
    """Lowercased copies of the text-like values, for PocketBase's case-insensitive `~` and `:lower`."""
    from chalicelib.records.filter_eval import FOLDED_TYPES

    return {name: data[name].lower() for name, f in getattr(collection, "fields", {}).items()
            if f.type in FOLDED_TYPES and isinstance(data.get(name), str) and data[name]}


SELF = object()  # render()'s default viewer: the record's own user (login, auth-refresh)


def render(item, collection=None, viewer_id=SELF, is_admin=False):
    """The record as the API shows it: system fields, then the collection's fields (zero values filled in).

    Hidden fields are shown to admins only. In the users collection, `email` is shown to the user, to admins,
    or when `emailVisibility` is on (PocketBase's rule), and `phone` to the user and admins only. `viewer_id` is the caller's user id (None for guests).
    """
    collection = collection or _collection(item.get("collectionName"))
    data = item.get("data", {})
    record = {name: item[name] for name in SYSTEM_FIELDS[:3] if name in item}
    if collection is None:
        record.update({k: item[k] for k in ("created", "updated") if k in item})
        record.update({k: v for k, v in data.items() if not k.startswith("@")})
        return record
    from chalicelib.records.fields import zero

    for name, f in collection.fields.items():
        if f.hidden and not is_admin:
            continue
        record[name] = data.get(name, zero(f))
    for name in collection.autodates:
        record[name] = item.get(name, "") if name in ("created", "updated") else data.get(name, "")
    if is_admin and data.get("@review"):
        record["@review"] = data["@review"]  # content awaiting moderation (records/content_check.py)
    if collection.is_auth:
        is_self = viewer_id is SELF or viewer_id == item.get("id")
        if "email" in record and not (is_admin or is_self or data.get("emailVisibility")):
            record["email"] = ""
        if data.get("phone") and (is_admin or is_self):
            # bound only through WeChat's phone flow (not a schema field, so the records API can't write it)
            record["phone"] = data["phone"]
    return record
