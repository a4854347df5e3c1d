"""Mini-program codes (`wxa/getwxacodeunlimit`), generated once per distinct request and served from S3 after.

A request is normalized (appid, scene, page, width, envVersion; check_path follows envVersion: only the release
version's pages can be checked) and hashed; the hash names the table item and the object `wxacode/<appid>/<hash>`.
The first request claims the item with a conditional put (`pending`, with a lease), calls WeChat, stores the image
and marks the item `ready`; identical requests meanwhile wait for it instead of calling WeChat again, and any later
one answers from the item. A failed generation deletes its claim, so the next request tries afresh; a crashed one
leaves a lease that lapses after LEASE_SECONDS.

The answer is a permanent link: the files CDN (`WXBASE_FILES_CDN_URL`) + key when configured, else this API's
`GET /api/wechat/wxacode/{appid}/{hash}.{png|jpg}`, which redirects to a signed S3 URL (on the files domain when
one is set) like a public file. New codes spend the user's and the app's budgets (wechat/budgets.py; codes already
made don't count); an admin's spend only the app's.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from chalicelib.core import logs, validate
from chalicelib.core.errors import NotFound, invalid
from chalicelib.core.settings import WeChatApp
from chalicelib.files import download
from chalicelib.sharing.waiting import Waiter
from chalicelib.store import keys, objects, table
from chalicelib.wechat import budgets, wxacode

LEASE_SECONDS = 20
WAIT_SECONDS = 10
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg"}
LINK_SECONDS = 3600
BODY = validate.Body(  # what parse reads (and the OpenAPI document shows)
    validate.Text("scene", max_length=64, description="at most 32 characters of 0-9A-Za-z!#$&'()*+,/:;=?@-._~"),
    validate.Text("page", required=False, max_length=wxacode.MAX_PAGE_LENGTH),
    validate.Integer("width", required=False, minimum=wxacode.MIN_WIDTH, maximum=wxacode.MAX_WIDTH),
    validate.Text("envVersion", required=False, choices=wxacode.ENV_VERSIONS),
    validate.Text("appid", required=False, max_length=64),
)


@dataclass(frozen=True)
class CodeRequest:
    scene: str
    page: str
    width: int
    env_version: str

    @property
    def check_path(self) -> bool:
        return self.env_version == "release"

    def digest(self, appid: str) -> str:
        canonical = json.dumps({"appid": appid, "scene": self.scene, "page": self.page, "width": self.width,
                                "envVersion": self.env_version}, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:40]


def parse(body: dict[str, Any]) -> CodeRequest:
    """The request's parameters, validated as WeChat would (400 naming the field otherwise)."""
    values = BODY.read(body)
    scene = values["scene"]
    if not wxacode.SCENE.match(scene):
        raise invalid("scene", "validation_invalid_scene",
                      "At most 32 characters of 0-9, A-Z, a-z and !#$&'()*+,/:;=?@-._~ (encode anything else).")
    page = (values["page"] or "").lstrip("/")
    if page and not wxacode.PAGE.match(page):
        raise invalid("page", "validation_invalid_page",
                      "A page path such as pages/index/index, without a query (put parameters in the scene).")
    if "scancode_time" in page:
        raise invalid("page", "validation_invalid_page", "scancode_time is reserved by WeChat.")
    width = values["width"]
    env = values["envVersion"] or "release"
    return CodeRequest(scene=scene, page=page, width=width or wxacode.DEFAULT_WIDTH, env_version=env)


def object_name(item: dict[str, Any]) -> str:
    return f"{item['digest']}.{EXTENSIONS.get(item.get('contentType', ''), 'png')}"


def code_for(app: WeChatApp, request: CodeRequest, user_id: str | None) -> dict[str, Any]:
    """The stored code's item (`digest`, `objectKey`, `contentType`), generating it if this is the first ask."""
    digest = request.digest(app.appid)
    key = keys.wxacode(app.appid, digest)
    waiter = Waiter(WAIT_SECONDS, "This code is still being generated; try again in a moment.")
    counted = False
    while True:
        item = table.get(key)
        if item and item.get("state") == "ready":
            return item
        if not counted:
            budgets.spend("wxacode", app.appid, user_id)
            counted = True
        owner = secrets.token_hex(8)
        now = int(time.time())
        try:
            table.put({**key, "state": "pending", "owner": owner, "leaseUntil": now + LEASE_SECONDS},
                      condition="attribute_not_exists(pk) OR (#state = :pending AND leaseUntil < :now)",
                      names={"#state": "state"}, values={":pending": "pending", ":now": now})
        except table.ConditionFailed:
            waiter.pause_or_give_up()  # an identical request is generating it: wait for its result
            continue
        return _generate(app, request, key, digest, owner)


def _generate(app: WeChatApp, request: CodeRequest, key: dict[str, str], digest: str, owner: str) -> dict[str, Any]:
    try:
        image, content_type = wxacode.unlimited(app, request.scene, request.page, request.width, request.env_version,
                                                request.check_path)
        object_key = f"wxacode/{app.appid}/{digest}.{EXTENSIONS[content_type]}"
        objects.put(object_key, image, content_type, cache_control="public, max-age=31536000, immutable")
    except Exception:
        try:
            table.delete(key, condition="#owner = :owner", names={"#owner": "owner"}, values={":owner": owner})
        except table.ConditionFailed:
            pass
        raise
    item = {**key, "state": "ready", "digest": digest, "appid": app.appid, "objectKey": object_key,
            "contentType": content_type, "bytes": len(image), "scene": request.scene, "page": request.page,
            "width": request.width, "envVersion": request.env_version, "createdAt": int(time.time())}
    table.put(item)
    logs.event("wxacode_generated", appid=app.appid, digest=digest, bytes=len(image))
    return item


def link_for(item: dict[str, Any], api_link: str) -> str:
    """The permanent link: the CDN URL of the object when a CDN is configured, else the API link given."""
    base = download.cdn_base()
    return f"{base}/{item['objectKey']}" if base else api_link


def redirect_target(appid: str, name: str) -> tuple[str, str]:
    """(signed URL, cache-control) for `GET /api/wechat/wxacode/{appid}/{name}`; 404 for anything not made."""
    digest, _, ext = name.partition(".")
    if len(digest) != 40 or not all(c in "0123456789abcdef" for c in digest) or ext not in EXTENSIONS.values():
        raise NotFound()
    item = table.get(keys.wxacode(appid, digest), consistent=False)
    if not item or item.get("state") != "ready" or object_name(item) != name:
        raise NotFound()
    return objects.signed_get_url(item["objectKey"], LINK_SECONDS), f"public, max-age={LINK_SECONDS // 2}"
