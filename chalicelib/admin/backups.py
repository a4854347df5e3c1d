"""Exports of every collection to the bucket (`backups/<time>/<collection>.jsonl`), taken on a schedule and on an
admin's request, and the way back: the newest export at or before a time, for `wxbase restore`.

An export holds each record as an admin reads it over the API (the shape `wxbase export` writes), so restoring is
an import of those lines (admin/imports.py): ids, dates and values come back, nothing is duplicated. Exports older
than the bucket's lifecycle rule allows (the template's BackupRetentionDays) expire there. The table's
point-in-time recovery (35 days, whole table) is the other, coarser way back: docs/backups.md.
"""
from __future__ import annotations

import json
import tempfile
from datetime import datetime, timezone
from typing import Any

from chalicelib.core import clock, logs
from chalicelib.core.errors import BadRequest, NotFound, field_error
from chalicelib.records import store
from chalicelib.records.query import render
from chalicelib.records.schema.collections import get_schema
from chalicelib.store import objects

PREFIX = "backups/"
STAMP = "%Y%m%dT%H%M%S%fZ"
DOWNLOAD_SECONDS = 900
SPOOL_BYTES = 64 * 1024 * 1024


def _stamp_time(stamp: str) -> str:
    moment = datetime.strptime(stamp, STAMP)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def export_all() -> dict[str, Any]:
    """Write one export of every collection: {at, collections: {name: records}}."""
    now = datetime.fromtimestamp(clock.now(), tz=timezone.utc)
    stamp = now.strftime(STAMP)
    counts = {}
    for collection in get_schema().collections.values():
        if collection.type == "view":
            continue
        count = 0
        # lines go to a file that spills to disk past SPOOL_BYTES, so a large collection needn't fit in memory
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as out:
            for page in store.all_of(collection.name):
                for record in page:
                    shown = render.render(record, collection, is_admin=True)
                    line = {k: v for k, v in shown.items() if k not in ("collectionId", "collectionName")}
                    out.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")
                    count += 1
            out.seek(0)
            objects.put_file(f"{PREFIX}{stamp}/{collection.name}.jsonl", out, "application/x-ndjson")
        counts[collection.name] = count
    logs.event("backup_exported", at=stamp, collections=len(counts), records=sum(counts.values()))
    return {"at": _stamp_time(stamp), "collections": counts}


def _exports() -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for obj in objects.list_keys(PREFIX):
        stamp, _, name = obj["key"][len(PREFIX):].partition("/")
        if name.endswith(".jsonl"):
            found.setdefault(stamp, {})[name[:-len(".jsonl")]] = obj["size"]
    return found


def list_exports() -> dict[str, Any]:
    """The exports kept, newest first: [{at, collections: {name: bytes}}]."""
    found = _exports()
    return {"items": [{"at": _stamp_time(s), "collections": found[s]} for s in sorted(found, reverse=True)]}


def export_as_of(collection: str, as_of: str) -> dict[str, Any]:
    """The newest export of a collection taken at or before `as_of`: {at, url} (a download link for 15 minutes)."""
    from chalicelib.records.schema.fields.field_date import parse_datetime

    moment = parse_datetime(as_of)
    if moment is None:
        raise BadRequest("Invalid asOf.", {"asOf": field_error("validation_invalid_datetime",
                                                               "Must be a valid datetime.")})
    taken = [s for s, names in _exports().items() if collection in names and _stamp_time(s) <= moment]
    if not taken:
        raise NotFound(f"No export of {collection} at or before {moment}.")
    stamp = max(taken)
    return {"at": _stamp_time(stamp), "collection": collection,
            "url": objects.signed_get_url(f"{PREFIX}{stamp}/{collection}.jsonl", DOWNLOAD_SECONDS)}
