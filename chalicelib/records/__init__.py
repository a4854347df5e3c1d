"""Records: PocketBase's collections, filter language, rules and records API on DynamoDB.

The public surface for the routes and for users/ and functions/:
    Caller                                  who is asking (records/access.py)
    list_records, view                      reads (records/query/listing.py)
    create, update, delete                  writes (records/write/record_writes.py)
Sub-packages by job, each with its own docstring:
    schema/      the collections file, field values, indexes, record JSON schemas
    filter/      the filter language: parse, bind, evaluate as SQLite would, compile for DynamoDB
    query/       list and view: the planner, paging, joins, render (the API's shape)
    write/       create, update, delete: hooks, relation cascades, file fields
    moderation/  WeChat content security on text, editor and image fields
The root holds what every part shares: access (callers and rules), store (the record item: the one writer), layout
(where values sit in an item), changes (a stored change as the stream reports it), file_access (files of records)
and sessions (revocable auth tokens).

The names above are imported on first use, so `import app` can load and check the collections file
(records.schema.collections) at start without the services and their SDKs.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.records.access import Caller
    from chalicelib.records.query.listing import list_records, view
    from chalicelib.records.write.record_writes import create, delete, update

__all__ = ["Caller", "create", "delete", "list_records", "update", "view"]
_HOMES = {"Caller": "access", "list_records": "query.listing", "view": "query.listing",
          "create": "write.record_writes", "update": "write.record_writes", "delete": "write.record_writes"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
