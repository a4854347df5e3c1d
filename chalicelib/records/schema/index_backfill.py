"""What a collection's indexes keep for records stored before the index (or this kind of entry) was declared.

- UNIQUE markers: writes enforce a UNIQUE index from the deployment that declares it on, through its marker items
  (records/store.py); records already stored hold no marker, so until they are backfilled a new record may take a
  value an old one has. A value two stored records share is reported, not resolved (change one of them, then run
  it again).
- Index entries and their counters: a record's entries follow the collections file it was written under, so a
  record stored before an index was added has no entry in it (an equality on the index doesn't find it, its
  counters don't count it) until it is written again. The backfill rewrites the entries that differ and moves
  their counters in one transaction, without changing the record (no realtime event, no hook).
- Value directories: an index whose last fields every record holds a value in lists its distinct values in order
  (records/query/walk.py serves sorts by them from it). Values are listed as records are written; values only
  records stored before the directory hold are listed here.

`backfill(collection)` reads the collection once (a Query of its partition, page by page) and writes what is
missing; running it again changes nothing.

    python -m chalicelib.records.schema.index_backfill <collection>     # with the deployment's environment
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field

from chalicelib.records import store
from chalicelib.records.schema.collections import get_schema
from chalicelib.records.schema.model import Collection

PAGE = 200


@dataclass
class Report:
    records: int = 0
    reindexed: int = 0  # records whose index entries were rewritten
    listed: int = 0  # index values listed in their directories
    duplicates: list[dict[str, str]] = field(default_factory=list)  # {"index", "record", "holder"}


def backfill(collection_name: str) -> Report:
    """Claim every stored record's unique values and list its index values; the unique values another record
    already holds are reported."""
    collection = get_schema().get(collection_name)
    if collection is None:
        raise ValueError(f"No collection {collection_name!r} in the collections file.")
    report = Report()
    listed: set[tuple[str, str, int | None]] = set()
    for page in store.all_of(collection.name, PAGE):
        for record in page:
            report.records += 1
            report.reindexed += _reindex(collection, record)
            report.listed += store.list_values(collection, record, listed)
            for name in store.claim_unique(collection, record):
                index = next(i for i in collection.unique if i.name == name)
                holder = store.unique_holder(collection, index, record) or ""
                report.duplicates.append({"index": name, "record": record.id, "holder": holder})
    return report


def _reindex(collection: Collection, record: store.StoredRecord) -> bool:
    changes = store.Changes()
    if not changes.reindex(collection, record):
        return False
    try:
        changes.commit()
    except store.WriteRejected:
        return False  # written since it was read: that write wrote its entries as the file declares them
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    report = backfill(argv[0])
    print(json.dumps({"collection": argv[0], "records": report.records, "reindexed": report.reindexed,
                      "listed": report.listed,
                      "duplicates": report.duplicates}))
    return 1 if report.duplicates else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
