"""PocketBase's logs API for admins: request logs and WeChat calls (admin/request_logs.py), as the SDK's
`pb.logs.getList/getOne/getStats` read them."""
from chalicelib.routes import schemas
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import admin_query, require_admin

bp = ApiBlueprint(__name__)


@bp.route("/api/logs", methods=["GET"], responses={"200": schemas.LOGS})
def list_logs():
    """Log entries (admins only): page, perPage (≤ 1000), filter, sort, fields, skipTotal; oldest first unless
    sorted (`-created` for newest first)."""
    from chalicelib.admin import request_logs

    return request_logs.entries(admin_query(bp.current_request))


@bp.route("/api/logs/stats", methods=["GET"], responses={"200": schemas.LOG_STATS})
def log_stats():
    """The entries matching `filter`, counted per hour (admins only)."""
    from chalicelib.admin import request_logs

    return request_logs.stats(admin_query(bp.current_request))


@bp.route("/api/logs/{log_id}", methods=["GET"], responses={"200": schemas.LOG})
def view_log(log_id):
    """One log entry by id (admins only)."""
    from chalicelib.admin import request_logs

    require_admin(bp.current_request)
    return request_logs.entry(log_id)
