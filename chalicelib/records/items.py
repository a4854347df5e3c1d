"""How a record is stored: one DynamoDB item per record.

Item attributes: the key (keys.record), `id`, `collectionId`, `collectionName`, `v` (version, bumped on every
write so updates can be conditional on it), `created`/`updated` (PocketBase datetimes) and `data` (the field
values). Attributes starting with an underscore never leave the server (`_tokenKey` of users).
"""
from chalicelib.core import clock, ids
from chalicelib.store import keys

SYSTEM_FIELDS = ("id", "collectionId", "collectionName", "created", "updated")


def new_item(collection_id, collection_name, data, record_id=None, extra=None):
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
    return item


def render(item):
    """The record as the API shows it."""
    record = {name: item[name] for name in SYSTEM_FIELDS if name in item}
    record.update(item.get("data", {}))
    return record
