"""Time in PocketBase's datetime format: `YYYY-MM-DD HH:MM:SS.sssZ`, always UTC."""
from __future__ import annotations

import time
from datetime import datetime, timezone


def now() -> float:
    return time.time()


def pb_datetime(epoch_seconds: float | None = None) -> str:
    dt = datetime.fromtimestamp(now() if epoch_seconds is None else epoch_seconds, tz=timezone.utc)
    return dt.strftime("%Y-%m-%d %H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
