"""Realtime over REST: where the WebSocket endpoint is, and the change feed (docs/realtime.md)."""
from chalicelib.core.errors import BadRequest, NotFound, field_error
from chalicelib.core.settings import realtime_url
from chalicelib.routes.blueprint import ApiBlueprint
from chalicelib.routes.common import caller_from, query_params

bp = ApiBlueprint(__name__)


@bp.route("/api/realtime", methods=["GET"])
def endpoint():
    """The WebSocket URL to connect to (ws:// under make dev, wss:// deployed); 404 when there is none."""
    url = realtime_url()
    if not url:
        raise NotFound("This server has no realtime endpoint.")
    return {"url": url}


@bp.route("/api/realtime/changes", methods=["GET"])
def changes():
    """A collection's changes after a cursor (`since`), as the caller may see them: `collection`, `since`,
    `topic` (`*` or a record id), `filter`, `perPage` (at most 100). Without `since`: the cursor to start from."""
    from chalicelib.realtime import feed
    from chalicelib.realtime.protocol import ProtocolError, parse_topic

    request = bp.current_request
    params = query_params(request)
    collection = params.get("collection") or ""
    try:
        _, topic = parse_topic(f"{collection}/{params.get('topic') or '*'}")
    except ProtocolError:
        raise BadRequest("collection and topic must name a collection and `*` or a record id.",
                         {"collection": field_error("validation_invalid_value", "Not a collection topic.")}) from None
    raw = params.get("perPage") or str(feed.DEFAULT_PER_PAGE)
    if not raw.isdigit():
        raise BadRequest("perPage must be a whole number.",
                         {"perPage": field_error("validation_invalid_value", "Must be a whole number.")})
    return feed.read(collection, caller_from(request), since=params.get("since") or None, topic=topic,
                     filter_text=(params.get("filter") or "").strip(), per_page=int(raw))
