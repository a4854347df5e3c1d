"""Request parsing shared by the route blueprints: bodies, fields, auth. HTTP in, plain values out."""
import hmac
import json

from chalicelib.core import auth_tokens
from chalicelib.core.errors import BadRequest, Forbidden, PayloadTooLarge, Unauthorized, field_error
from chalicelib.core.settings import get_settings


def raw_body(request):
    body = request.raw_body or b""
    limit = get_settings().max_body_bytes
    if len(body) > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    return body


def json_object(request, required=True):
    """The body as a JSON object; 400 for anything else (a list, a string, invalid JSON, bad UTF-8)."""
    body = raw_body(request)
    if not body.strip():
        if required:
            raise BadRequest("The request body must be a JSON object.")
        return {}
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise BadRequest("The request body must be a JSON object.")
    return value


def string_field(body, name, required=True, max_length=1024):
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise BadRequest(
                f"{name} is required.", {name: field_error("validation_required", "Missing required value.")}
            )
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string.", {name: field_error("validation_invalid_type", "Must be a string.")})
    if len(value) > max_length:
        raise BadRequest(
            f"{name} is too long.",
            {name: field_error("validation_max_text_constraint", f"Must be no more than {max_length} characters.")},
        )
    return value


def header_token(request):
    return auth_tokens.strip_bearer(request.headers.get("authorization"))


def is_admin(request):
    """An admin key in Authorization (with or without `Bearer `), compared in constant time against each key."""
    presented = header_token(request)
    if not presented:
        return False
    found = False
    for key in get_settings().admin_key_set():
        found |= hmac.compare_digest(presented.encode(), key.encode())
    return found


def require_admin(request):
    if not header_token(request):
        raise Unauthorized("An admin key is required.")
    if not is_admin(request):
        raise Forbidden("Only admins can perform this request.")


def require_user(request):
    """The verified claims of the caller's auth token; 401 without one."""
    token = header_token(request)
    if not token:
        raise Unauthorized("The request requires a logged-in user.")
    return auth_tokens.verify(token)
