"""Data in and out for admins (an admin key or session): the import API behind `wxbase import` (records as given,
owners by openid, files under their records) and the exports behind `wxbase restore`."""
from chalicelib.core import validate
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import json_object, query_params, require_admin

bp = ApiBlueprint(__name__)


@bp.route("/api/admin/import/openids", methods=["POST"], body="chalicelib.admin.imports:OPENIDS_BODY")
def import_openids():
    """The users of WeChat openids in one app, created as first logins create them when new (dryRun: none)."""
    from chalicelib.admin import imports

    request = bp.current_request
    require_admin(request)
    return imports.import_openids(json_object(request))


@bp.route("/api/admin/import/{collection}/records", methods=["POST"], body="chalicelib.admin.imports:RECORDS_BODY")
def import_records(collection):
    """Write up to 100 records with their ids, dates and values: created/updated/unchanged counts and failures."""
    from chalicelib.admin import imports

    request = bp.current_request
    admin = require_admin(request)
    return imports.import_records(collection, json_object(request), admin)


@bp.route("/api/admin/import/{collection}/files", methods=["POST"], body="chalicelib.admin.imports:FILE_BODY")
def import_file(collection):
    """Where an imported record's file is stored, with an upload form unless it already is."""
    from chalicelib.admin import imports

    request = bp.current_request
    require_admin(request)
    return imports.import_file(collection, json_object(request))


@bp.route("/api/admin/backups", methods=["POST"], body=validate.EMPTY)
def export_now():
    """Export every collection to the bucket now (the schedule does it daily): {at, collections: {name: records}}."""
    from chalicelib.admin import backups

    request = bp.current_request
    require_admin(request)
    json_object(request, required=False)
    return backups.export_all()


@bp.route("/api/admin/backups", methods=["GET"])
def list_backups():
    """The exports kept, newest first: {items: [{at, collections: {name: bytes}}]}."""
    from chalicelib.admin import backups

    require_admin(bp.current_request)
    return backups.list_exports()


@bp.route("/api/admin/backups/{collection}", methods=["GET"])
def backup_as_of(collection):
    """The newest export of a collection at or before ?asOf=: {at, collection, url} (404 when there is none)."""
    from chalicelib.admin import backups

    request = bp.current_request
    require_admin(request)
    return backups.export_as_of(collection, query_params(request).get("asOf", ""))
