"""The team's functions: `POST /api/functions/{name}` (chalicelib/functions/calls.py decides who may call)."""
from chalice import Response

from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import header_token, json_object, query_params

bp = ApiBlueprint(__name__)
# Each function reads its own body; the generic route only takes any JSON object (or none).
CALL_BODY = {"required": False, "content": {"application/json": {"schema": {
    "type": "object", "description": "The function's input, as `ctx.body`."}}}}


@bp.route("/api/functions/{name}", methods=["POST"], body=CALL_BODY)
def call_function(name):
    """Call one of the deployment's functions with a JSON body (each function's own entry lists its auth)."""
    from chalicelib.functions import calls

    request = bp.current_request
    headers = {k.lower().replace("-", "_"): v for k, v in request.headers.items() if k.lower() != "authorization"}
    invocation = calls.authorize(name, header_token(request), query_params(request), headers)
    answer = calls.run(invocation, json_object(request, required=False))
    return Response(body=answer, status_code=200, headers={"Content-Type": "application/json"})
