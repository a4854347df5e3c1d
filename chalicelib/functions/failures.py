"""A failure inside the team's code: logged here with its traceback, answered as a 500 that names the request id
and nothing else (no exception text: it may hold anything the code had in hand)."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from chalicelib.core import logs
from chalicelib.core.errors import ApiError
from chalicelib.records.write.hooks import Refused


class FunctionFailed(ApiError):
    status = 500
    default_message = "The function failed."


def failed(kind: str, name: str, shown: str) -> FunctionFailed:
    """Call inside an `except` block: logs the exception being handled (with the code's name) and returns the
    error to raise, which says only `shown` and the request id."""
    request_id = logs.current_request_id() or "-"
    logs.logger.log(logging.ERROR, "function_failed", exc_info=True,
                    extra={"fields": {"kind": kind, "function": name}})
    return FunctionFailed(f"{shown} failed; request id {request_id}.")


def code_name(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


@contextmanager
def reported(kind: str, fn: Callable[..., Any], shown: str = "A server hook") -> Iterator[None]:
    """Errors the code meant (ApiError, Refused) pass as they are; anything else becomes FunctionFailed."""
    try:
        yield
    except (ApiError, Refused):
        raise
    except Exception:
        raise failed(kind, code_name(fn), shown) from None
