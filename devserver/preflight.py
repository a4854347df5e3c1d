"""make dev's start-up checks that end in one line naming the fix: the apps in WXBASE_APPS, and one make dev per
data folder (a lock held for the life of the process, released by the kernel however it ends, kill -9 included)."""
import fcntl
import os
import re
from typing import IO

# A WeChat AppID is wx and 16 hex digits; the sandbox's own apps use other letters after wx, so any letters or digits
APPID = re.compile(r"^wx[0-9a-zA-Z]{15,16}$")


class StartError(Exception):
    """make dev can't start as configured; the message is the one line to print."""


def check_apps(raw: str | None) -> None:
    """WXBASE_APPS, when set, parses and names AppIDs (the stage files' rule, loosened for sandbox names)."""
    if not raw:
        return
    from chalicelib.core.settings import ConfigError, parse_apps

    try:
        apps = parse_apps(raw)
    except ConfigError as exc:
        raise StartError(exc.message) from None
    for i, app in enumerate(apps):
        if not APPID.match(app.appid):
            raise StartError(f"WXBASE_APPS[{i}].appid {app.appid!r} is not an AppID (wx and 16 letters or digits, "
                             "mp.weixin.qq.com → 开发管理 → 开发设置); leave WXBASE_APPS unset for the sandbox's apps.")


def lock_data_dir(data_dir: str) -> IO[str]:
    """Hold data_dir for this process; the open file must stay referenced while make dev runs."""
    path = os.path.join(data_dir, "make-dev.lock")
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "?"
        handle.close()
        raise StartError(f"another make dev (pid {owner}) is using {data_dir}: stop it, or give this one a folder "
                         "of its own (WXBASE_DATA_DIR=/some/dir make dev).") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
