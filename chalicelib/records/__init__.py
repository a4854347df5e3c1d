"""Records: PocketBase's collections, filter language, rules and records API on DynamoDB.

The public surface for the routes and for users/ and functions/:
    Caller                                  who is asking (records/access.py)
    list_records, view                      reads (records/listing.py)
    create, update, delete                  writes (records/writes.py)
Modules: collections (the schema file), fields (values), filter_* and operators (the filter language), access
(rules), planner and paging (list queries), store (the record item: the one writer), render (the API's shape),
cascade (relation cascades), file_fields/file_access (files of records), content_check (WeChat content security).
"""
from chalicelib.records.access import Caller
from chalicelib.records.listing import list_records, view
from chalicelib.records.writes import create, delete, update

__all__ = ["Caller", "create", "delete", "list_records", "update", "view"]
