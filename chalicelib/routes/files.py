"""Files: direct uploads to S3 for record file fields, protected-file tokens, and file links."""
from chalice import Blueprint, Response

from chalicelib.core import auth_tokens
from chalicelib.core.errors import Unauthorized
from chalicelib.routes.common import json_object
from chalicelib.routes.records import caller_from

bp = Blueprint(__name__)


@bp.route("/api/files/upload", methods=["POST"])
def start_upload():
    """A presigned S3 POST for wx.uploadFile (or multipart part URLs above 10 MB) for one record file field."""
    from chalicelib.files import service

    request = bp.current_request
    return service.start_upload(json_object(request), caller_from(request))


@bp.route("/api/files/upload/complete", methods=["POST"])
def complete_upload():
    """Complete a multipart upload from the parts S3 lists."""
    from chalicelib.files import service

    request = bp.current_request
    return service.complete_upload(json_object(request), caller_from(request))


@bp.route("/api/files/upload/abort", methods=["POST"])
def abort_upload():
    """Abort a multipart upload and forget its ticket."""
    from chalicelib.files import service

    request = bp.current_request
    service.abort_upload(json_object(request), caller_from(request))
    return Response(body="", status_code=204)


@bp.route("/api/files/token", methods=["POST"])
def file_token():
    """A short-lived token for ?token= on protected file links (PocketBase's files.getToken)."""
    from chalicelib.files import service

    return service.file_token(caller_from(bp.current_request))


@bp.route("/api/files/{collection}/{record_id}/{filename}", methods=["GET"])
def download(collection, record_id, filename):
    """Redirect to the file: a stable link for public files, a short-lived signed one after the view rule."""
    from chalicelib.files import service
    from chalicelib.records.service import Caller

    request = bp.current_request
    params = dict((request.query_params or {}).items())
    caller = caller_from(request)
    if params.get("token") and caller.auth is None and not caller.is_admin:
        try:
            caller = Caller(user_id=auth_tokens.verify_file_token(params["token"])["id"], method="GET")
        except Unauthorized:
            pass  # like PocketBase: an invalid token makes a guest
    url, cache_control = service.download_target(collection, record_id, filename, params, caller)
    return Response(body="", status_code=302, headers={"Location": url, "Cache-Control": cache_control})
