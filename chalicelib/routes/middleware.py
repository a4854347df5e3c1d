"""The HTTP middleware: request id, the body size limit for every route, every error as PocketBase's body.

Errors arrive three ways: an ApiError raised below a view; an error response Chalice built itself (invalid JSON,
405, 415, its 500 for an unexpected exception) whose body is `{"Code", "Message"}`; or an unexpected exception.
All three leave as `{"status", "message", "data"}` with a matching HTTP status, and nothing internal in them.

Routing answers as PocketBase's router does: a path with a trailing slash, or a method the path has no route for, is
the 404 of an unknown route (not Chalice's 405 or a match with the slash dropped), and a body of an unsupported
Content-Type is PocketBase's 400. A multipart body stays a 415: files go to storage directly, not through a record.
An empty body is no data whatever its Content-Type, as PocketBase reads none when the length is 0.
"""
import logging
import time

from chalice import Response
from chalice.app import CaseInsensitiveMapping

from chalicelib.core import logs
from chalicelib.core.errors import ApiError, NotFound, error_body
from chalicelib.limits import request_limits
from chalicelib.logs import record
from chalicelib.routes.blueprint import RaisedApiError
from chalicelib.routes.common import raw_body

INTERNAL_MESSAGE = "Something went wrong while processing your request."
UNSUPPORTED_TYPE = "Unsupported Content-Type."
MULTIPART_MESSAGE = "Unsupported media type: send the body as application/json (files go through /api/files/upload)."
# Chalice's own error responses (bad JSON, 404 view errors, 405, 415) carry {"Code", "Message"}; these map them.
CHALICE_MESSAGES = {
    400: INTERNAL_MESSAGE,
    404: NotFound.default_message,
}
# The routes whose address ends with a slash: the root and the console's page (/_/).
SLASHED_ROUTES = ("/", "/_")


def _json_response(status, body, headers=None):
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json", **(headers or {})})


def _from_chalice_error(request, response):
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or set(body) != {"Code", "Message"}:
        return response
    status = response.status_code
    if status == 405:  # PocketBase's router has no "method not allowed": the route just isn't there
        return _json_response(404, NotFound().body())
    if status == 415:
        multipart = request.headers.get("content-type", "").lower().startswith("multipart/")
        return _json_response(415, error_body(415, MULTIPART_MESSAGE)) if multipart else \
            _json_response(400, error_body(400, UNSUPPORTED_TYPE))
    if status >= 500:
        message = INTERNAL_MESSAGE
    elif body["Code"] == "BadRequestError" and "JSON" in body["Message"]:
        message = "The request body is not valid JSON."
    else:
        message = CHALICE_MESSAGES.get(status) or body["Message"]
    return _json_response(status, error_body(status, message))


def _trailing_slash(request) -> bool:
    """The gateway matches /api/health/ to /api/health; PocketBase's router doesn't. The path as sent is the event's
    (API Gateway) or its request context's (Chalice's local gateway)."""
    sent = (request.to_original_event() or {}).get("path") or (request.context or {}).get("path") or ""
    return sent.endswith("/") and request.path not in SLASHED_ROUTES


def _empty_body_untyped(request) -> None:
    """A request without a body is read as no data, not refused for its Content-Type (text/plain, say): the header
    is dropped, so the route takes it as the empty JSON body it is. A multipart one keeps its 415."""
    content_type = request.headers.get("content-type", "")
    if content_type and not content_type.lower().startswith("multipart/") and not raw_body(request):
        request.headers = CaseInsensitiveMapping({k: v for k, v in request.headers.items() if k != "content-type"})


def handle(request, get_response):
    context = getattr(request, "context", None) or {}
    request_id = context.get("requestId") or logs.new_request_id()
    token = logs.set_request_id(request_id)
    logs.set_request_auth("")  # a server thread's previous request must not lend its caller to this one's log
    started = time.monotonic()
    try:
        try:
            if _trailing_slash(request):
                raise NotFound()
            raw_body(request)  # an oversized body is refused before any route reads it
            _empty_body_untyped(request)
            request_limits.check(request)  # WXBASE_RATE_LIMITS: a 429 before any route works
            response = _from_chalice_error(request, get_response(request))
        except (ApiError, RaisedApiError) as raised:
            exc = raised.error if isinstance(raised, RaisedApiError) else raised
            response = _json_response(exc.status, exc.body(), exc.headers)
        except Exception:
            logs.logger.exception("unhandled error")
            response = _json_response(500, error_body(500, INTERNAL_MESSAGE))
        response.headers["X-Request-Id"] = request_id
        level = logging.WARNING if response.status_code >= 500 else logging.INFO
        logs.event("http", level=level, method=request.method, path=request.path, status=response.status_code,
                   elapsed_ms=int((time.monotonic() - started) * 1000))
        record.http_request(request, response, started)
        return response
    finally:
        logs.reset_request_id(token)
