"""The blueprint every route module uses: a view may raise the project's ApiError, which reaches the HTTP middleware
(routes/middleware.py) as the error response it stands for. Chalice renders any other exception from a view itself,
except its ChaliceUnhandledError, so the error crosses over wrapped in one; the layers below never see Chalice.

A route also declares what the OpenAPI document says of it (routes/openapi_doc.py): `body`, the request body —
a core.validate.Body (the same object the route or its service reads the body with), a lazy reference to one
("chalicelib.records.file_access:UPLOAD_BODY", so `import app` stays light), or a raw OpenAPI requestBody — and
`responses`, status → JSON Schema of the answer (None for an answer without a body)."""
from __future__ import annotations

import functools
from typing import Any, Callable

from chalice import Blueprint
from chalice.app import ChaliceUnhandledError

from chalicelib.core.errors import ApiError


class RaisedApiError(ChaliceUnhandledError):
    def __init__(self, error: ApiError) -> None:
        super().__init__(error.message)
        self.error = error


class ApiBlueprint(Blueprint):
    def route(self, path: str, body: Any = None, responses: dict[str, Any] | None = None,
              **kwargs: Any) -> Callable[..., Any]:
        register = super().route(path, **kwargs)

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def wrapped(*args: Any, **kw: Any) -> Any:
                try:
                    return view(*args, **kw)
                except ApiError as exc:
                    raise RaisedApiError(exc) from None

            wrapped.openapi = {"body": body, "responses": responses or {}}  # type: ignore[attr-defined]
            register(wrapped)
            return view

        return decorator
