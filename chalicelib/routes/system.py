"""Health and the OpenAPI document."""
from chalice import Blueprint

from chalicelib.routes import openapi_doc

bp = Blueprint(__name__)


@bp.route("/api/health", methods=["GET"])
def health():
    """Liveness check (PocketBase's shape)."""
    return {"code": 200, "message": "API is healthy.", "data": {}}


@bp.route("/api/openapi.json", methods=["GET"])
def openapi():
    """The OpenAPI 3.1 document of every route."""
    from chalicelib.records import openapi as record_schemas  # noqa: F401  (registers each collection's schema)

    return openapi_doc.build(bp.current_app)
