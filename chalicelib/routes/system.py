"""Health and the OpenAPI document."""
from chalicelib.routes import openapi_doc, schemas
from chalicelib.routes.blueprint import ApiBlueprint

bp = ApiBlueprint(__name__)


@bp.route("/api/health", methods=["GET"], responses={"200": schemas.HEALTH})
def health():
    """Liveness check (PocketBase's shape)."""
    return {"code": 200, "message": "API is healthy.", "data": {}}


@bp.route("/api/openapi.json", methods=["GET"], responses={"200": schemas.OBJECT})
def openapi():
    """The OpenAPI 3.1 document of every route."""
    return openapi_doc.build(bp.current_app)
