"""Where a record's values sit in its DynamoDB item (read by filter/dynamodb.py and the query planner; records/store.py
is the only writer of record items).

    pk, sk            keys.record(collection, id)
    id, collectionId, collectionName, created, updated     top-level
    v                 version, bumped on every write (updates and deletes are conditional on it)
    data              the field values
    lc                lowercased copies of text values (PocketBase's case-insensitive `~` and `:lower`)
    g1pk..g6sk        index attributes (see records/store.py)
    _<name>           server-only values (`_tokenKey`, `_phone` of users); never rendered
"""
from __future__ import annotations


TOP_LEVEL = ("id", "collectionId", "collectionName", "created", "updated")
DATA = "data"
VERSION = "v"
LOWERCASED = "lc"
PRIVATE_PREFIX = "_"
USER_TOKEN_KEY = "_tokenKey"  # a user's private value every auth token is bound to (records/sessions.py)
USER_PHONE = "_phone"  # a user's private value: the bound phone in +E.164 (its marker names the user)
REVIEW_FLAG = "@review"  # data key of content awaiting moderation (records/moderation/text_check.py), admins only


def attribute_path(field_name: str, modifier: str | None = None) -> tuple[str, ...]:
    """The attribute names leading to a field's value (`:lower` reads the lowercased copy)."""
    if modifier == "lower":
        return (LOWERCASED, field_name)
    if field_name in TOP_LEVEL:
        return (field_name,)
    return (DATA, field_name)
