"""File fields inside record writes: a new file name must be an upload issued for this record field (its ticket is
consumed in the record's own transaction), and names that leave a record are deleted from storage after the write."""
from __future__ import annotations

from typing import Any

from chalicelib.files import uploads
from chalicelib.records import store
from chalicelib.records.schema.fields import field_type
from chalicelib.records.schema.model import Collection, Field


def names_of(value: Any) -> list[str]:
    if not value:
        return []
    return list(value) if isinstance(value, list) else [value]


def attach(changes: store.Changes, collection: Collection, record_id: str, data: dict[str, Any],
           old: dict[str, Any] | None = None, owner: str = "", is_admin: bool = False) -> list[str]:
    """Add the consumption of each newly attached file's ticket to `changes` (tickets issued to `owner`, see
    files/uploads.ticket_owner; any for an admin); returns the names removed."""
    removed: list[str] = []
    for name, f in collection.fields.items():
        if not field_type(f).holds_files:
            continue
        before = names_of((old or {}).get(name))
        for filename in dict.fromkeys(names_of(data.get(name))):
            if filename not in before:
                changes.add(uploads.verify_attachable(collection.id, record_id, f, filename, owner, is_admin))
        removed += [n for n in before if n not in names_of(data.get(name))]
    return removed


def all_names(collection: Collection, data: dict[str, Any]) -> list[str]:
    return [n for name, f in collection.fields.items() if field_type(f).holds_files for n in names_of(data.get(name))]


def field_holding(collection: Collection, data: dict[str, Any], filename: str) -> Field | None:
    """The file field of a record that holds `filename`, or None."""
    for name, f in collection.fields.items():
        if field_type(f).holds_files and filename in names_of(data.get(name)):
            return f
    return None


def discard(collection: Collection, record_id: str, names: list[str]) -> None:
    uploads.discard(collection.id, record_id, names)
