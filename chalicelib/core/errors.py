"""One error hierarchy, rendered as PocketBase's error body in one place.

`{"status": 400, "message": "...", "data": {"field": {"code": "validation_...", "message": "..."}}}` with the HTTP
status equal to `status`. Everything below the routes raises these; `error_body` is the only renderer and
`field_error` the only builder of a field's entry. Nothing here knows the web framework: the routes hand these to
the HTTP middleware (routes/blueprint.py).
"""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    status = 400
    default_message = "Something went wrong while processing your request."

    def __init__(self, message: str | None = None, data: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.message = message or self.default_message
        self.data = data or {}
        self.headers = headers or {}
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
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


def error_body(status: int, message: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"status": status, "message": message, "data": data or {}}


def field_error(code: str, message: str) -> dict[str, str]:
    """One field's entry in an error's `data`."""
    return {"code": code, "message": message}


def invalid(name: str, code: str, message: str, summary: str | None = None, status: type[ApiError] = BadRequest
            ) -> ApiError:
    """An error about one field: `summary` is the top-level message (the field's message by default)."""
    return status(summary or message, {name: field_error(code, message)})
