"""The hourly sweep: files uploaded on tickets that expired without being attached to a record are deleted."""
from typing import Any

from chalicelib.files import uploads


def handle(event: dict[str, Any]) -> dict[str, int]:
    return {"removed": uploads.sweep()}
