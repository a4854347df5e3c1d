"""The scheduled token refresher: every app's access_token is renewed well before it expires.

Apps are refreshed in parallel with a bounded pool, so one app whose WeChat calls hang or fail costs only its own
slot; failures are recorded on the app's token item and logged, and the run reports them without raising (the next
run retries, and requests keep using the still-valid token meanwhile).
"""
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.core import logs
from chalicelib.core.settings import get_settings
from chalicelib.wechat import tokens

# The schedule runs every 5 minutes (app.py): 15 minutes ahead gives three chances before the request path would
# have to refresh, and classic tokens overlap their successor by 5 minutes.
REFRESH_AHEAD_SECONDS = 15 * 60
MAX_PARALLEL = 8


def _refresh(app, ahead):
    try:
        return app.appid, tokens.central_store().refresh_if_due(app, ahead), None
    except Exception as exc:  # reported per app; never stops the others
        return app.appid, "failed", {"appid": app.appid, "error": exc.__class__.__name__,
                                     "errcode": getattr(exc, "errcode", None)}


def run(ahead_seconds=REFRESH_AHEAD_SECONDS):
    """Refresh the apps whose token is due; returns {"refreshed", "unchanged", "fresh", "busy", "failed"}."""
    apps = get_settings().apps
    summary: dict[str, list] = {"refreshed": [], "unchanged": [], "fresh": [], "busy": [], "failed": []}
    if not apps:
        return summary
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(apps))) as pool:
        for appid, outcome, failure in pool.map(lambda a: _refresh(a, ahead_seconds), apps):
            summary[outcome].append(failure or appid)
    level = logging.WARNING if summary["failed"] else logging.INFO
    logs.event("wechat.token_refresh_run", level=level, **{k: len(v) for k, v in summary.items()})
    return summary


def handle(event: dict[str, Any]) -> dict[str, list]:
    return run()
