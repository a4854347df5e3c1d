"""Files: direct uploads to S3 for record file fields, protected-file tokens, and file links."""
from chalice import Response

from chalicelib.routes import schemas
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import caller_from, header_token, json_object, query_params

bp = ApiBlueprint(__name__)


@bp.route("/api/files/upload", methods=["POST"], body="chalicelib.records.file_access:UPLOAD_BODY",
          responses={"200": schemas.UPLOAD})
def start_upload():
    """A presigned S3 POST for wx.uploadFile (or multipart part URLs above 10 MB) for one record file field."""
    from chalicelib.records import file_access

    request = bp.current_request
    return file_access.start_upload(json_object(request), caller_from(request))


@bp.route("/api/files/upload/complete", methods=["POST"], body="chalicelib.records.file_access:MULTIPART_BODY",
          responses={"200": schemas.COMPLETED})
def complete_upload():
    """Complete a multipart upload from the parts S3 lists."""
    from chalicelib.records import file_access

    request = bp.current_request
    return file_access.complete_upload(json_object(request), caller_from(request))


@bp.route("/api/files/upload/abort", methods=["POST"], body="chalicelib.records.file_access:MULTIPART_BODY",
          responses={"204": None})
def abort_upload():
    """Abort a multipart upload and forget its ticket."""
    from chalicelib.records import file_access

    request = bp.current_request
    file_access.abort_upload(json_object(request), caller_from(request))
    return Response(body="", status_code=204)


@bp.route("/api/files/token", methods=["POST"], responses={"200": schemas.FILE_TOKEN})
def file_token():
    """A short-lived token for ?token= on protected file links (PocketBase's files.getToken), for a user or an
    admin."""
    from chalicelib.records import file_access

    request = bp.current_request
    return file_access.file_token(caller_from(request), header_token(request))


@bp.route("/api/files/{collection}/{record_id}/{filename}", methods=["GET"],
          responses={"302": schemas.REDIRECT})
def download(collection, record_id, filename):
    """Redirect to the file: a stable link for public files, a short-lived signed one after the view rule."""
    from chalicelib.records import file_access

    request = bp.current_request
    params = query_params(request)
    caller = caller_from(request)
    if params.get("token") and caller.auth is None and not caller.is_admin:
        caller = file_access.token_caller(params["token"]) or caller  # like PocketBase: an invalid token makes a guest
    url, cache_control = file_access.download_target(collection, record_id, filename, params, caller)
    return Response(body="", status_code=302, headers={"Location": url, "Cache-Control": cache_control})
