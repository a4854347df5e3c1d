"""Records: PocketBase's collections, filter language, rules and records API on DynamoDB.

The public surface for the routes and for users/ and functions/:
    Caller                                  who is asking (records/access.py)
    list_records, view                      reads (records/listing.py)
    create, update, delete                  writes (records/writes.py)
Modules: collections (the schema file), fields (values), filter_* and operators (the filter language), access
(rules), planner and paging (list queries), store (the record item: the one writer), render (the API's shape),
cascade (relation cascades), file_fields/file_access (files of records), content_check (WeChat content security).

The names above are imported on first use, so `import app` can load and check the collections file
(records.collections) at start without the services and their SDKs.
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
