"""Markers for records stored before a UNIQUE index was added to the collections file.

Writes enforce a UNIQUE index from the deployment that declares it on, through its marker items (records/store.py);
records already stored hold no marker, so until they are backfilled a new record may take a value an old one has.
`backfill(collection)` reads the collection once (a Query of its partition, page by page) and puts the missing
markers; a value two stored records share is reported, not resolved (change one of them, then run it again).

    python -m chalicelib.records.schema.unique_backfill <collection>     # with the deployment's environment
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field

from chalicelib.records import store
from chalicelib.records.schema.collections import get_schema

PAGE = 200


@dataclass
class Report:
    records: int = 0
    duplicates: list[dict[str, str]] = field(default_factory=list)  # {"index", "record", "holder"}


def backfill(collection_name: str) -> Report:
    """Claim every stored record's unique values; the values another record already holds are reported."""
    collection = get_schema().get(collection_name)
    if collection is None:
        raise ValueError(f"No collection {collection_name!r} in the collections file.")
    report = Report()
    if not collection.unique:
        return report
    for page in store.all_of(collection.name, PAGE):
        for record in page:
            report.records += 1
            for name in store.claim_unique(collection, record):
                index = next(i for i in collection.unique if i.name == name)
                holder = store.unique_holder(collection, index, record) or ""
                report.duplicates.append({"index": name, "record": record.id, "holder": holder})
    return report


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    report = backfill(argv[0])
    print(json.dumps({"collection": argv[0], "records": report.records, "duplicates": report.duplicates}))
    return 1 if report.duplicates else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
