"""Documents as other platforms export them, read line by line and turned into wxbase records.

WeChat Cloud Development (CloudBase) exports JSON Lines (one document a line, `_id`, `_openid`, dates as
`{"$date": "2024-01-02T03:04:05.000Z"}` or `{"$date": 1704164645000}`) or CSV with a header row; uniCloud the same
JSON Lines with ids as `{"$oid": "…"}`; `wxbase export` writes records as the API shows them. A document whose id is
not a record id (15 characters of a-z0-9) gets one derived from it, the same each time, and so does every relation
value naming it, so references between imported collections hold.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

from chalicelib.core.ids import derived_id, is_valid_id


@dataclass
class Line:
    number: int
    document: dict[str, Any] | None
    error: str = ""


def read_jsonl(path: str) -> Iterator[Line]:
    with open(path, encoding="utf-8-sig") as f:
        yield from jsonl_lines(f)


def jsonl_lines(texts: Iterable[str]) -> Iterator[Line]:
    for number, text in enumerate(texts, 1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Line(number, None, f"not JSON ({exc.msg})")
            continue
        yield Line(number, value) if isinstance(value, dict) else Line(number, None, "not a JSON object")


def read_csv(path: str, json_fields: set[str]) -> Iterator[Line]:
    """Rows under the header row (line 1); empty cells are absent values, JSON fields' cells are parsed."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None) or []
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                yield Line(number, None, f"{len(row)} cells under a header of {len(header)}")
                continue
            document: dict[str, Any] = {}
            try:
                for name, cell in zip(header, row):
                    if cell != "":
                        document[name] = json.loads(cell) if name in json_fields else cell
            except ValueError:
                yield Line(number, None, f"{name} is not JSON")
                continue
            yield Line(number, document)


def plain(value: Any) -> Any:
    """Extended JSON made plain: `$date` → a PocketBase datetime, `$oid`/`$numberLong`/`$numberDecimal` → values."""
    if isinstance(value, dict):
        if len(value) == 1:
            (key, inner), = value.items()
            if key == "$date":
                return _date(inner)
            if key == "$oid":
                return str(inner)
            if key in ("$numberLong", "$numberInt"):
                return int(inner)
            if key in ("$numberDecimal", "$numberDouble"):
                return float(inner)
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _date(value: Any) -> str:
    if isinstance(value, dict):  # {"$date": {"$numberLong": "…"}} (relaxed extended JSON)
        value = plain(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value / 1000, tz=timezone.utc)
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        moment = moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    else:
        raise ValueError(f"not a date: {value!r}")
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def record_id(value: Any) -> str:
    """A record id for a document id: kept when it is one, else derived from it."""
    text = str(plain(value))
    return text if is_valid_id(text) else derived_id(f"doc:{text}")


def to_record(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The record of a document: `_id`/`id` made a record id, relation values too, extended JSON made plain.
    `_openid` and file IDs are left to the importer, which asks the deployment about them."""
    doc = plain(document)
    if "_id" in doc:
        doc["id"] = doc.pop("_id")
    if doc.get("id") in (None, ""):
        raise ValueError("the document has no _id")
    doc["id"] = record_id(doc["id"])
    for f in schema["fields"]:
        value = doc.get(f["name"])
        if f["type"] == "relation" and value not in (None, ""):
            doc[f["name"]] = [record_id(v) for v in value] if isinstance(value, list) else record_id(value)
    return doc
