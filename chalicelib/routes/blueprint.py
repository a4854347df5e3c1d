"""The blueprint every route module uses: a view may raise the project's ApiError, which reaches the HTTP middleware
(routes/middleware.py) as the error response it stands for. Chalice renders any other exception from a view itself,
except its ChaliceUnhandledError, so the error crosses over wrapped in one; the layers below never see Chalice."""
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
    def route(self, path: str, **kwargs: Any) -> Callable[..., Any]:
        register = super().route(path, **kwargs)

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def wrapped(*args: Any, **kw: Any) -> Any:
                try:
                    return view(*args, **kw)
                except ApiError as exc:
                    raise RaisedApiError(exc) from None

            register(wrapped)
            return view

        return decorator
