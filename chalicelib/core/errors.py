"""One error hierarchy, rendered as PocketBase's error body in one place.

`{"status": 400, "message": "...", "data": {"field": {"code": "validation_...", "message": "..."}}}` with the HTTP
status equal to `status`. Everything below the routes raises these; `error_body` is the only renderer. The base class is Chalice's
ChaliceUnhandledError only so that Chalice lets these reach the app's error middleware instead of
rendering them itself; nothing else here depends on Chalice.
"""
from chalice.app import ChaliceUnhandledError


class ApiError(ChaliceUnhandledError):
    status = 400
    default_message = "Something went wrong while processing your request."

    def __init__(self, message=None, data=None, headers=None):
        self.message = message or self.default_message
        self.data = data or {}
        self.headers = headers or {}
        super().__init__(self.message)

    def body(self):
        return error_body(self.status, self.message, self.data)


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401
    default_message = "Missing or invalid authentication."


class Forbidden(ApiError):
    status = 403
    default_message = "You are not allowed to perform this request."


class NotFound(ApiError):
    status = 404
    default_message = "The requested resource wasn't found."


class MethodNotAllowed(ApiError):
    status = 405
    default_message = "Method not allowed."


class Conflict(ApiError):
    status = 409
    default_message = "The resource was changed by another request; reload and try again."


class PayloadTooLarge(ApiError):
    status = 413
    default_message = "The request body is too large."


class UnsupportedMediaType(ApiError):
    status = 415
    default_message = "Unsupported media type."


class TooManyRequests(ApiError):
    status = 429
    default_message = "Too Many Requests."


class BadGateway(ApiError):
    status = 502
    default_message = "An upstream service returned an unexpected answer."


class ServiceUnavailable(ApiError):
    status = 503
    default_message = "The service is temporarily unavailable; try again shortly."


def error_body(status, message, data=None):
    return {"status": status, "message": message, "data": data or {}}


def field_error(code, message):
    return {"code": code, "message": message}


def validation_error(message, fields):
    """A 400 whose data names each bad field: fields = {"name": ("validation_code", "message")}."""
    return BadRequest(message, {name: field_error(code, msg) for name, (code, msg) in fields.items()})


# Chalice's own error responses (bad JSON, 404 view errors, 405, 415) carry {"Code", "Message"}; these map them.
CHALICE_MESSAGES = {
    400: "Something went wrong while processing your request.",
    404: NotFound.default_message,
    405: MethodNotAllowed.default_message,
    415: "Unsupported media type: send the body as application/json.",
}
