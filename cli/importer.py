"""Importing one collection: lines → records → batches of 100 to the admin import API, with a report.

Per batch: the openids named by `_openid` become users (one request), each file a record names is uploaded unless
storage has it already, then the records are written (one request). A bad line fails alone, named by its number.
"""
from __future__ import annotations

import mimetypes
import sys
from dataclasses import dataclass, field
from typing import Callable, Iterable
from urllib.parse import quote

from cli.api import CliError, Deployment
from cli.documents import Line, to_record

BATCH = 100
FileSource = Callable[[str, str], "tuple[str, bytes] | None"]  # (record id, value) → (name, content) or keep


@dataclass
class Report:
    collection: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.collection}: created {self.created}, updated {self.updated}, "
                f"unchanged {self.unchanged}, failed {len(self.failed)}")


class Importer:
    def __init__(self, deployment: Deployment, collection: str, dry_run: bool = False, appid: str | None = None,
                 openid_field: str | None = None, file_source: FileSource | None = None) -> None:
        self.api, self.dry_run, self.appid, self.file_source = deployment, dry_run, appid, file_source
        self.schema = deployment.collection(collection)
        self.path = quote(self.schema["name"], safe="")
        self.report = Report(self.schema["name"])
        self.file_fields = {f["name"] for f in self.schema["fields"] if f["type"] == "file"}
        self.openid_field = openid_field or owner_field(self.schema)
        self._seen = 0

    def run(self, lines: Iterable[Line]) -> Report:
        batch: list[tuple[int, dict]] = []
        for line in lines:
            if line.document is None:
                self._fail(line.number, line.error)
                continue
            try:
                batch.append((line.number, to_record(line.document, self.schema)))
            except (ValueError, TypeError) as exc:
                self._fail(line.number, str(exc))
                continue
            if len(batch) == BATCH:
                self._send(batch)
                batch = []
        if batch:
            self._send(batch)
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        self.report.failed.sort()
        return self.report

    def _fail(self, number: int, message: str) -> None:
        self.report.failed.append((number, message))

    def _send(self, batch: list[tuple[int, dict]]) -> None:
        batch = self._owners(batch)
        batch = [(n, r) for n, r in batch if self._files(n, r)]
        if batch:
            answer = self.api.request("POST", f"/api/admin/import/{self.path}/records",
                                      {"records": [r for _, r in batch], "dryRun": self.dry_run})
            for key in ("created", "updated", "unchanged"):
                setattr(self.report, key, getattr(self.report, key) + answer[key])
            for failure in answer["failed"]:
                details = "; ".join(f"{k}: {v.get('message')}" for k, v in (failure.get("data") or {}).items())
                self._fail(batch[failure["index"]][0], failure["message"] + (f" ({details})" if details else ""))
        self._seen += len(batch)
        if sys.stderr.isatty():
            sys.stderr.write(f"\r{self.report.collection}: {self._seen} records sent")
            sys.stderr.flush()

    def _owners(self, batch: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
        """`_openid` → the owner field, naming that openid's user (created as a first login when new)."""
        kept, named = [], {}
        for number, record in batch:
            openid = record.pop("_openid", None)
            if openid in (None, ""):
                kept.append((number, record))
            elif not isinstance(openid, str):
                self._fail(number, "_openid is not a string")
            elif not self.appid:
                self._fail(number, "_openid needs --appid (the mini-program the openids belong to)")
            elif not self.openid_field:
                self._fail(number, f"{self.report.collection} has no relation field to users for _openid "
                                   f"(pass --openid-field)")
            else:
                named[number] = openid
                kept.append((number, record))
        if named:
            answer = self.api.request("POST", "/api/admin/import/openids",
                                      {"appid": self.appid, "openids": list(dict.fromkeys(named.values())),
                                       "dryRun": self.dry_run})
            for number, record in kept:
                if number in named:
                    record[self.openid_field] = answer["users"][named[number]]
        return kept

    def _files(self, number: int, record: dict) -> bool:
        """Each file a record names stored under it; False (and the line failed) when one can't be."""
        if self.file_source is None:
            return True
        for name in self.file_fields:
            values = record.get(name)
            if values in (None, "", []):
                continue
            listed = values if isinstance(values, list) else [values]
            try:
                stored = [self._file(record["id"], name, str(v)) for v in listed]
            except (OSError, CliError) as exc:
                self._fail(number, f"{name}: {exc}")
                return False
            record[name] = stored if isinstance(values, list) else stored[0]
        return True

    def _file(self, record_id: str, field_name: str, value: str) -> str:
        assert self.file_source is not None
        found = self.file_source(record_id, value)
        if found is None:
            return value
        original, content = found
        content_type = mimetypes.guess_type(original)[0] or "application/octet-stream"
        answer = self.api.request("POST", f"/api/admin/import/{self.path}/files",
                                  {"recordId": record_id, "field": field_name, "name": original,
                                   "size": len(content), "type": content_type})
        if not answer["present"] and not self.dry_run:
            self.api.upload(answer["upload"], content)
        return answer["name"]


def owner_field(schema: dict) -> str | None:
    """The relation field to users that holds a document's `_openid`: the one the create rule pins to the caller
    (`owner = @request.auth.id`), else the only relation to users."""
    to_users = [f["name"] for f in schema["fields"] if f["type"] == "relation"
                and f.get("collectionId") in ("_pb_users_auth_", "users") and f.get("maxSelect", 1) in (0, 1)]
    rule = schema.get("createRule") or ""
    pinned = [n for n in to_users if f"{n} = @request.auth.id" in rule or f"@request.auth.id = {n}" in rule]
    if pinned:
        return pinned[0]
    return to_users[0] if len(to_users) == 1 else None
