"""PocketBase's records API: /api/collections/{collection}/records[/{id}]."""
from chalice import Response

from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import caller_from, json_object, query_params

bp = ApiBlueprint(__name__)
BASE = "/api/collections/{collection}/records"


@bp.route(BASE, methods=["GET"])
def list_records(collection):
    """List a collection's records (page, perPage, sort, filter, fields, skipTotal, expand, cursor)."""
    from chalicelib import records

    request = bp.current_request
    return records.list_records(collection, query_params(request), caller_from(request))


@bp.route(BASE, methods=["POST"])
def create_record(collection):
    """Create a record (the collection's createRule applies)."""
    from chalicelib import records

    request = bp.current_request
    return records.create(collection, json_object(request, required=False), caller_from(request),
                          query_params(request))


@bp.route(BASE + "/{record_id}", methods=["GET"])
def view_record(collection, record_id):
    """One record (the collection's viewRule applies)."""
    from chalicelib import records

    request = bp.current_request
    return records.view(collection, record_id, query_params(request), caller_from(request))


@bp.route(BASE + "/{record_id}", methods=["PATCH"])
def update_record(collection, record_id):
    """Update a record's fields (updateRule; conditional on the stored version)."""
    from chalicelib import records

    request = bp.current_request
    return records.update(collection, record_id, json_object(request, required=False), caller_from(request),
                          query_params(request))


@bp.route(BASE + "/{record_id}", methods=["DELETE"])
def delete_record(collection, record_id):
    """Delete a record (deleteRule; conditional on the stored version). 204."""
    from chalicelib import records

    request = bp.current_request
    records.delete(collection, record_id, caller_from(request))
    return Response(body="", status_code=204)
