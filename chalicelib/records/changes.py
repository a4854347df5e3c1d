"""A stored change of a record, as the table's stream reports it: what after-hooks, realtime and the change feed
consume. Only record items count; every other item of the table (markers, counters, tickets) is skipped."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.records import store
from chalicelib.store import keys, table


@dataclass(frozen=True)
class RecordChange:
    action: str  # "create" | "update" | "delete"
    collection: str
    id: str
    old: store.StoredRecord | None
    new: store.StoredRecord | None
    sequence: str  # the stream's sequence number (ordered per record)
    at: float  # when DynamoDB stored it (epoch seconds)

    @property
    def change_id(self) -> str:
        """Names this change once however often the stream delivers it: the record and the version it produced
        (a delete: the version it removed)."""
        record = self.new or self.old
        assert record is not None
        return f"{self.collection}/{self.id}/{record.version}/{self.action}"

    @property
    def record(self) -> store.StoredRecord:
        """The record as it is after the change (as it was, for a delete)."""
        found = self.new or self.old
        assert found is not None
        return found


_ACTIONS = {"INSERT": "create", "MODIFY": "update", "REMOVE": "delete"}


def from_stream(raw: dict[str, Any]) -> RecordChange | None:
    """A Lambda DynamoDB stream record (NEW_AND_OLD_IMAGES) as a RecordChange; None for other items."""
    data = raw.get("dynamodb") or {}
    key = table.deserialize(data.get("Keys") or {})
    found = keys.record_of(key)
    action = _ACTIONS.get(raw.get("eventName", ""))
    if found is None or action is None:
        return None
    old = store.from_items([table.deserialize(data["OldImage"])])[0] if data.get("OldImage") else None
    new = store.from_items([table.deserialize(data["NewImage"])])[0] if data.get("NewImage") else None
    if old is not None and new is not None and old.version == new.version:
        return None  # index entries rewritten (schema/index_backfill.py): the record itself is unchanged
    return RecordChange(action=action, collection=found[0], id=found[1], old=old, new=new,
                        sequence=str(data.get("SequenceNumber", "")),
                        at=float(data.get("ApproximateCreationDateTime") or 0))
