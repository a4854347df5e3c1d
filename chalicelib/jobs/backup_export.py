"""The daily backup: every collection exported to backups/<time>/ in the bucket (docs/backups.md)."""
from typing import Any

from chalicelib.admin import backups


def handle(event: dict[str, Any]) -> dict[str, Any]:
    return backups.export_all()
