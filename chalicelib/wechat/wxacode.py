"""Unlimited mini-program codes: `wxa/getwxacodeunlimit` → the image bytes (JPEG, or PNG when transparent).

Success is the image itself; failure is JSON with an errcode (the transport tells them apart by content type).
The parameter rules are WeChat's: scene at most 32 visible characters of `0-9A-Za-z!#$&'()*+,/:;=?@-._~`, page
without a leading slash or query (`scancode_time` is reserved), width 280-1280, env_version release/trial/develop.
"""
from __future__ import annotations

import re

from chalicelib.core.errors import BadGateway
from chalicelib.core.settings import WeChatApp
from chalicelib.wechat import client
from chalicelib.wechat.errcodes import WeChatError
from chalicelib.wechat.refusals import Refusal, translate

SCENE = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")
PAGE = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-.]+)*$")
MAX_PAGE_LENGTH = 256
MIN_WIDTH, MAX_WIDTH, DEFAULT_WIDTH = 280, 1280, 430
ENV_VERSIONS = ("release", "trial", "develop")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"

REFUSALS = {
    41030: Refusal(400, "page", "The page does not exist in the released mini-program (or it is not released yet).",
                   "validation_invalid_page"),
    85096: Refusal(400, "page", "scancode_time is reserved by WeChat and can't be used in the page.",
                   "validation_invalid_page"),
    40129: Refusal(400, "scene", "WeChat rejected the scene.", "validation_invalid_scene"),
    40169: Refusal(400, "scene", "The scene is too long for WeChat.", "validation_invalid_scene"),
    40097: Refusal(400, None, "WeChat rejected the code's parameters."),
    45009: Refusal(429, None, "WeChat's limit for mini-program codes is reached; try again later."),
    45011: Refusal(429, None, "Too many mini-program codes requested; wait a minute and try again."),
}


def image_type(data: bytes) -> str:
    """The content type of the bytes WeChat sent ("" when they are not an image we know)."""
    if data.startswith(PNG_MAGIC):
        return "image/png"
    if data.startswith(JPEG_MAGIC):
        return "image/jpeg"
    return ""


def unlimited(app: WeChatApp, scene: str, page: str = "", width: int = DEFAULT_WIDTH, env_version: str = "release",
              check_path: bool = True) -> tuple[bytes, str]:
    """(image bytes, content type) of the code for `scene` opening `page` (the home page when "")."""
    body: dict = {"scene": scene, "width": width, "env_version": env_version, "check_path": check_path}
    if page:
        body["page"] = page
    try:
        data = client.for_app(app).call("POST", "/wxa/getwxacodeunlimit", json_body=body, expect_json=False)
    except WeChatError as exc:
        raise translate(exc, REFUSALS) from None
    kind = image_type(data) if isinstance(data, bytes) else ""
    if not kind:
        raise BadGateway("WeChat answered the mini-program code with something that is not an image.")
    return data, kind
