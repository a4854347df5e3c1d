"""`wxbase import pocketbase`: a backup zip as PocketBase's Backups API writes it (pb_data: data.db, storage/).

The records of every base and auth collection the deployment also has are imported with their ids, dates, field
values and files (storage/<collectionId>/<recordId>/<name>, names kept); auth records become users without their
passwords. Collections the deployment lacks are reported: their definitions go into the collections file first
(`--print-collections` writes them in PocketBase's export format).
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
from typing import Any, Iterator

from cli.api import CliError, Deployment
from cli.documents import Line
from cli.importer import Importer, Report

SKIPPED_AUTH_FIELDS = ("password", "tokenKey")
RULES = ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")


class Backup:
    def __init__(self, path: str) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise CliError(f"{path} is not a PocketBase backup: {exc}") from None
        if "data.db" not in self._zip.namelist():
            raise CliError(f"{path} is not a PocketBase backup: it has no data.db")
        self._dir = tempfile.mkdtemp(prefix="wxbase-pb-")
        self._zip.extract("data.db", self._dir)
        self.db = sqlite3.connect(os.path.join(self._dir, "data.db"))
        self.db.row_factory = sqlite3.Row

    def close(self) -> None:
        self.db.close()
        self._zip.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def collections(self) -> list[dict[str, Any]]:
        """The backup's own collections (not PocketBase's system ones), in PocketBase's export format."""
        rows = self.db.execute("SELECT * FROM _collections WHERE system = 0 OR name = 'users' ORDER BY created")
        found = []
        for row in rows:
            entry = {"id": row["id"], "name": row["name"], "type": row["type"],
                     "fields": json.loads(row["fields"] or "[]"), "indexes": json.loads(row["indexes"] or "[]"),
                     **{rule: row[rule] for rule in RULES}}
            found.append(entry)
        return found

    def records(self, collection: dict[str, Any]) -> Iterator[Line]:
        types = {f["name"]: f for f in collection["fields"]}
        table = collection["name"].replace('"', '""')
        for number, row in enumerate(self.db.execute(f'SELECT * FROM "{table}" ORDER BY rowid'), 1):
            record = {}
            for name in row.keys():
                f = types.get(name)
                if f is None or name in SKIPPED_AUTH_FIELDS:
                    continue
                record[name] = _value(f, row[name])
            yield Line(number, record)

    def file(self, collection_id: str, record_id: str, name: str) -> bytes | None:
        try:
            return self._zip.read(f"storage/{collection_id}/{record_id}/{name}")
        except KeyError:
            return None


def _value(f: dict[str, Any], value: Any) -> Any:
    """A column as PocketBase's API shows it: JSON for lists and json fields, booleans, the rest as stored."""
    many = f["type"] in ("select", "relation", "file") and f.get("maxSelect", 1) != 1
    if f["type"] == "json" or many:
        if isinstance(value, str) and value:
            try:
                return json.loads(value)
            except ValueError:
                return value
        return [] if many else None
    if f["type"] == "bool":
        return bool(value)
    return value


def import_backup(api: Deployment, path: str, dry_run: bool = False) -> list[Report]:
    backup = Backup(path)
    try:
        reports = []
        for collection in sorted(backup.collections(), key=lambda c: c["type"] != "auth"):  # users first
            if collection["type"] == "view":
                continue
            try:
                api.collection(collection["name"])
            except CliError:
                missing = Report(collection["name"])
                missing.failed.append((0, "not among the deployment's collections: add it to the collections "
                                          "file (wxbase import pocketbase --print-collections) and deploy first"))
                reports.append(missing)
                continue

            def source(record_id: str, value: str, collection_id: str = collection["id"]) -> tuple[str, bytes]:
                content = backup.file(collection_id, record_id, value)
                if content is None:
                    raise FileNotFoundError(f"{value} is not in the backup")
                return value, content

            importer = Importer(api, collection["name"], dry_run=dry_run, file_source=source)
            reports.append(importer.run(backup.records(collection)))
        return reports
    finally:
        backup.close()


def print_collections(path: str) -> str:
    backup = Backup(path)
    try:
        return json.dumps(backup.collections(), indent=2, ensure_ascii=False) + "\n"
    finally:
        backup.close()
