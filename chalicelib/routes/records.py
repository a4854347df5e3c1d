"""PocketBase's records API: /api/collections/{collection}/records[/{id}]."""
from chalice import Blueprint, Response

from chalicelib.core import auth_tokens
from chalicelib.core.errors import Unauthorized
from chalicelib.routes.common import header_token, is_admin, json_object

bp = Blueprint(__name__)
BASE = "/api/collections/{collection}/records"


def caller_from(request):
    """Admin key, verified user token, or guest: like PocketBase, an invalid token makes a guest, not a 401."""
    from chalicelib.records import service

    headers = {k.lower().replace("-", "_"): v for k, v in request.headers.items() if k.lower() != "authorization"}
    params = dict((request.query_params or {}).items())
    if is_admin(request):
        return service.Caller(is_admin=True, query_params=params, headers=headers, method=request.method)
    claims = {}
    token = header_token(request)
    if token:
        try:
            claims = auth_tokens.verify(token)
        except Unauthorized:
            claims = {}
    return service.Caller(user_id=claims.get("id"), query_params=params, headers=headers, method=request.method,
                          appid=claims.get("appid") or None)


def _params(request):
    return dict((request.query_params or {}).items())


@bp.route(BASE, methods=["GET"])
def list_records(collection):
    """List a collection's records (page, perPage, sort, filter, fields, skipTotal, expand, cursor)."""
    from chalicelib.records import service

    request = bp.current_request
    return service.list_records(collection, _params(request), caller_from(request))


@bp.route(BASE, methods=["POST"])
def create_record(collection):
    """Create a record (the collection's createRule applies)."""
    from chalicelib.records import service

    request = bp.current_request
    return service.create(collection, json_object(request), caller_from(request))


@bp.route(BASE + "/{record_id}", methods=["GET"])
def view_record(collection, record_id):
    """One record (the collection's viewRule applies)."""
    from chalicelib.records import service

    request = bp.current_request
    return service.view(collection, record_id, _params(request), caller_from(request))


@bp.route(BASE + "/{record_id}", methods=["PATCH"])
def update_record(collection, record_id):
    """Update a record's fields (updateRule; conditional on the stored version)."""
    from chalicelib.records import service

    request = bp.current_request
    return service.update(collection, record_id, json_object(request, required=False), caller_from(request))


@bp.route(BASE + "/{record_id}", methods=["DELETE"])
def delete_record(collection, record_id):
    """Delete a record (deleteRule; conditional on the stored version). 204."""
    from chalicelib.records import service

    request = bp.current_request
    service.delete(collection, record_id, caller_from(request))
    return Response(body="", status_code=204)
