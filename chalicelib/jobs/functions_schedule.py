"""The dispatcher of the team's `@every` functions, ticking at the gcd of their periods (app.py's rate)."""
from typing import Any

from chalicelib.functions import schedule


def handle(event: dict[str, Any]) -> dict[str, Any]:
    return schedule.run()
