"""Which mini-program a user request is for."""
from __future__ import annotations

from chalicelib.core.errors import invalid
from chalicelib.core.settings import WeChatApp, get_settings


def pick_app(appid: str | None = None, referer: str | None = None) -> WeChatApp:
    """The mini-program a login is for: the explicit appid, the Referer's, or the only one configured."""
    settings = get_settings()
    if not appid and referer:
        appid = appid_from_referer(referer)
    if appid:
        return settings.app(appid, field="appid", miniprogram=True)
    programs = settings.miniprograms
    if len(programs) == 1:
        return programs[0]
    raise invalid("appid", "validation_required", "Missing required value.",
                  "Several mini-programs are configured; send appid.")


def appid_from_referer(referer: str) -> str | None:
    """`https://servicewechat.com/{appid}/{version}/page-frame.html` is what WeChat sends as Referer."""
    prefix = "https://servicewechat.com/"
    if not referer.startswith(prefix):
        return None
    appid = referer[len(prefix):].split("/", 1)[0]
    return appid or None
