"""The `wxbase` command: bring data in from PocketBase, CloudBase and uniCloud, export it, restore it.

It speaks to a deployment over its HTTP API with an admin key (make dev's by default); nothing here touches the
table or the bucket directly.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Callable

from cli import api as api_module
from cli.api import CliError, Deployment
from cli.importer import Report


def _deployment(args: argparse.Namespace) -> Deployment:
    return Deployment(args.url, api_module.admin_key(args.admin_key))


def _print_reports(reports: list[Report]) -> int:
    for report in reports:
        print(report.summary())
        for number, message in report.failed:
            print(f"  {report.collection} {number}: {message}" if number else f"  {report.collection}: {message}")
    return 1 if any(r.failed for r in reports) else 0


def _import_documents(args: argparse.Namespace, appid: str | None = None) -> int:
    from cli import documents
    from cli.importer import Importer

    deployment = _deployment(args)
    files_dir = getattr(args, "files", None)
    importer = Importer(deployment, args.collection, dry_run=args.dry_run, appid=appid,
                        openid_field=getattr(args, "openid_field", None),
                        file_source=_cloud_files(files_dir) if files_dir else None)
    if args.file.lower().endswith(".csv"):
        json_fields = {f["name"] for f in importer.schema["fields"] if f["type"] == "json"}
        lines = documents.read_csv(args.file, json_fields)
    else:
        lines = documents.read_jsonl(args.file)
    return _print_reports([importer.run(lines)])


def _cloud_files(root: str) -> Callable[[str, str], "tuple[str, bytes] | None"]:
    """CloudBase file IDs (`cloud://<env>.<bucket>/<path>`) found under `root` by path; other values are kept."""
    base = os.path.realpath(root)

    def source(record_id: str, value: str) -> tuple[str, bytes] | None:
        if not value.startswith("cloud://"):
            return None
        path = value[len("cloud://"):].partition("/")[2]
        local = os.path.realpath(os.path.join(base, path))
        if not local.startswith(base + os.sep) or not os.path.isfile(local):
            raise FileNotFoundError(f"{value} is not under {root}")
        with open(local, "rb") as f:
            return os.path.basename(local), f.read()

    return source


def cmd_cloudbase(args: argparse.Namespace) -> int:
    return _import_documents(args, appid=args.appid)


def cmd_unicloud(args: argparse.Namespace) -> int:
    return _import_documents(args)


def cmd_pocketbase(args: argparse.Namespace) -> int:
    from cli import pocketbase

    if args.print_collections:
        sys.stdout.write(pocketbase.print_collections(args.backup))
        return 0
    return _print_reports(pocketbase.import_backup(_deployment(args), args.backup, dry_run=args.dry_run))


def cmd_restore(args: argparse.Namespace) -> int:
    from urllib.parse import quote, urlencode

    from cli import documents
    from cli.importer import Importer

    deployment = _deployment(args)
    found = deployment.request("GET", f"/api/admin/backups/{quote(args.collection, safe='')}?"
                                      + urlencode({"asOf": args.as_of}))
    into = args.into or args.collection
    print(f"restoring {into} from the export of {args.collection} taken {found['at']}", file=sys.stderr)
    lines = documents.jsonl_lines(deployment.download(found["url"]).splitlines())
    return _print_reports([Importer(deployment, into, dry_run=args.dry_run).run(lines)])


def cmd_export(args: argparse.Namespace) -> int:
    from cli import export

    deployment = _deployment(args)
    if args.format == "cloudbase":
        docs = export.cloudbase_documents(deployment, args.collection, args.appid)
    else:
        docs = export.records(deployment, args.collection)
    export.write(docs, sys.stdout)
    return 0


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=os.environ.get("WXBASE_URL", api_module.DEV_URL),
                        help=f"the deployment's API (default $WXBASE_URL or make dev's, {api_module.DEV_URL})")
    common.add_argument("--admin-key", help="an admin key (default $WXBASE_ADMIN_KEY or make dev's key file, "
                                            f"{api_module.DEV_KEY_FILE})")
    dry = argparse.ArgumentParser(add_help=False)
    dry.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")

    top = argparse.ArgumentParser(prog="wxbase", description="Data in and out of a wxbase deployment.")
    commands = top.add_subparsers(dest="command", required=True)
    imports = commands.add_parser("import", help="import records, users and files").add_subparsers(
        dest="source", required=True)

    pb = imports.add_parser("pocketbase", parents=[common, dry], help="a PocketBase backup (pb_backup.zip)",
                            description="Import a backup made by PocketBase's Backups API: collections, records "
                                        "with their ids and dates, auth records as users, files.")
    pb.add_argument("backup", help="the backup zip")
    pb.add_argument("--print-collections", action="store_true",
                    help="write the backup's collections (PocketBase's export format) to standard output instead")
    pb.set_defaults(run=cmd_pocketbase)

    cb = imports.add_parser("cloudbase", parents=[common, dry], help="a WeChat Cloud Development export",
                            description="Import a CloudBase database export (JSON Lines or CSV) into a collection; "
                                        "_openid becomes the user of that openid in --appid.")
    cb.add_argument("file", help="export.json (JSON Lines) or export.csv (header row)")
    cb.add_argument("--collection", required=True, help="the wxbase collection to import into")
    cb.add_argument("--appid", required=True, help="the mini-program the openids belong to")
    cb.add_argument("--files", help="a directory holding the cloud storage files by path")
    cb.add_argument("--openid-field", help="the relation field to users that _openid fills (default: the one "
                                           "the create rule pins to the caller)")
    cb.set_defaults(run=cmd_cloudbase)

    uc = imports.add_parser("unicloud", parents=[common, dry], help="a uniCloud export (JSON Lines)",
                            description="Import a uniCloud database export, or a wxbase export, into a collection.")
    uc.add_argument("file", help="the JSON Lines file")
    uc.add_argument("--collection", required=True, help="the wxbase collection to import into")
    uc.set_defaults(run=cmd_unicloud)

    rs = commands.add_parser("restore", parents=[common, dry], help="a collection as of a time, from an export",
                             description="Write back the records of the newest export of a collection taken at or "
                                         "before --as-of (the daily export, or POST /api/admin/backups): changed "
                                         "and deleted records return; records created since stay.")
    rs.add_argument("collection")
    rs.add_argument("--as-of", required=True, help="a time, e.g. '2026-01-02 03:04:05' (UTC) or ISO 8601")
    rs.add_argument("--into", help="restore into this collection instead (same fields)")
    rs.set_defaults(run=cmd_restore)

    ex = commands.add_parser("export", parents=[common], help="a collection to standard output",
                             description="Write a collection's records as JSON Lines to standard output.")
    ex.add_argument("collection")
    ex.add_argument("--format", choices=("jsonl", "cloudbase"), default="jsonl",
                    help="jsonl: records as the API shows them; cloudbase: _id, {$date}, _openid")
    ex.add_argument("--appid", help="with --format cloudbase: whose openids _openid holds")
    ex.set_defaults(run=cmd_export)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except CliError as exc:
        print(f"wxbase: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"wxbase: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
