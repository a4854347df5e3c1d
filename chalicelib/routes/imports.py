"""The admin import API behind `wxbase import`: records as given, owners by openid, files under their records.
Admins only (an admin key or session)."""
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import json_object, require_admin

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
