"""Settings read from the environment at call time.

Chalice's test client and `chalice local` patch the environment per request, and Lambda configuration can change
between deployments, so nothing is read at import. Parsing is cached per raw value: a warm request costs a few
dict look-ups, and a changed variable takes effect on the next call.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import NamedTuple, TypeVar

from chalicelib.core.errors import ApiError, BadRequest, NotFound, field_error
from chalicelib.core.secrets import Secret
from chalicelib.core.patterns import lazy
from chalicelib.core.value_types import distinct

APP_TYPES = ("miniprogram", "officialaccount")
TOKEN_MODES = ("stable", "classic")
CALLBACK_MODES = ("plaintext", "compatible", "safe")  # as set in the WeChat console; unset accepts any of them
DEFAULT_WECHAT_API_BASE = "https://api.weixin.qq.com"
DEFAULT_TOKEN_TTL_SECONDS = 5 * 24 * 3600  # PocketBase's default auth token lifetime
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
Shape = TypeVar("Shape", list, dict)


class ConfigError(ApiError):
    """The deployment's configuration is wrong: an operator error, reported without any secret value."""

    status = 500
    default_message = "The server is misconfigured."


@distinct
class WeChatApp(NamedTuple):
    appid: str
    secret: Secret
    token: Secret
    encoding_aes_key: Secret
    type: str = "miniprogram"
    previous_encoding_aes_key: Secret = Secret("", "previous encodingAESKey")  # immutable, so one default serves
    callback_max_age_seconds: int = 300
    callback_mode: str = "plaintext"  # plaintext | compatible | safe: the pushes accepted (wechat/callback.py)
    token_mode: str = "stable"
    auto_replies: tuple = ()

    @property
    def is_miniprogram(self) -> bool:
        return self.type == "miniprogram"


@distinct
class Settings(NamedTuple):
    apps: tuple[WeChatApp, ...]
    jwt_secret: Secret
    admin_keys: Secret
    wechat_api_base: str
    table_name: str
    bucket_name: str
    queue_name: str
    collections_path: str
    token_ttl_seconds: int
    max_body_bytes: int
    files_base_url: str = ""  # WXBASE_FILES_DOMAIN as "https://host": where presigned S3 URLs are sent

    def app(self, appid: str, field: str | None = None, miniprogram: bool = False) -> WeChatApp:
        """The configured app: a 404 for an appid in a URL, or with `field` a 400 naming the body field that held
        it. `miniprogram` refuses official accounts the same way."""
        found = next((a for a in self.apps if a.appid == appid), None)
        if found is None:
            message = f"The app {appid!r} is not configured on this server."
            if field is None:
                raise NotFound(message)
            raise BadRequest(message, {field: field_error("validation_invalid_value", "Unknown appid.")})
        if miniprogram and not found.is_miniprogram:
            raise BadRequest(f"The app {appid!r} is not a mini-program.",
                             {field or "appid": field_error("validation_invalid_value", "Not a mini-program.")})
        return found

    @property
    def miniprograms(self) -> tuple[WeChatApp, ...]:
        return tuple(a for a in self.apps if a.is_miniprogram)

    def admin_key_set(self) -> frozenset[str]:
        return frozenset(key for _, key in self.named_admin_keys())

    def named_admin_keys(self) -> tuple[tuple[str, str], ...]:
        """(name, key) for each admin key: `name:key` entries, or plain keys named `admin` (`admin-2`, … when
        there are several), so every admin change can be attributed."""
        return parse_admin_keys(self.admin_keys.reveal())


_ADMIN_NAME = lazy(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


@lru_cache(maxsize=8)
def parse_admin_keys(raw: str) -> tuple[tuple[str, str], ...]:
    """`alice:key1,bob:key2,key3` → (("alice", "key1"), ("bob", "key2"), ("admin", "key3")). An entry whose part
    before the first `:` is not a name (letters, digits, `_.@-`) is a plain key."""
    named, plain = [], []
    for entry in (e.strip() for e in raw.split(",")):
        if not entry:
            continue
        name, sep, key = entry.partition(":")
        if sep and key.strip() and _ADMIN_NAME.match(name.strip()):
            named.append((name.strip(), key.strip()))
        else:
            plain.append(entry)
    taken = {n for n, _ in named}
    for i, key in enumerate(plain, start=1):
        name = "admin" if i == 1 else f"admin-{i}"
        while name in taken:
            name += "_"
        taken.add(name)
        named.append((name, key))
    return tuple(named)


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def get_settings() -> Settings:
    return _parse(
        _env("WXBASE_APPS", "[]"),
        _env("WXBASE_JWT_SECRET"),
        _env("WXBASE_ADMIN_KEYS"),
        _env("WECHAT_API_BASE", DEFAULT_WECHAT_API_BASE),
        _env("WXBASE_TABLE", "wxbase"),
        _env("WXBASE_BUCKET", "wxbase-files"),
        _env("WXBASE_QUEUE", "wxbase-callbacks"),
        _env("WXBASE_COLLECTIONS"),
        _env("WXBASE_TOKEN_TTL_SECONDS", str(DEFAULT_TOKEN_TTL_SECONDS)),
        _env("WXBASE_MAX_BODY_BYTES", str(DEFAULT_MAX_BODY_BYTES)),
        _env("WXBASE_FILES_DOMAIN"),
    )


@lru_cache(maxsize=8)
def _parse(apps_raw: str, jwt_secret: str, admin_keys: str, api_base: str, table: str, bucket: str, queue: str,
           collections: str, ttl: str, max_body: str, files_domain: str) -> Settings:
    return Settings(
        apps=parse_apps(apps_raw),
        jwt_secret=Secret(jwt_secret, "WXBASE_JWT_SECRET"),
        admin_keys=Secret(admin_keys, "WXBASE_ADMIN_KEYS"),
        wechat_api_base=api_base.rstrip("/"),
        table_name=table,
        bucket_name=bucket,
        queue_name=queue,
        collections_path=collections or default_collections_path(),
        token_ttl_seconds=_positive_int("WXBASE_TOKEN_TTL_SECONDS", ttl),
        max_body_bytes=_positive_int("WXBASE_MAX_BODY_BYTES", max_body),
        files_base_url=files_base_url(files_domain),
    )


def files_base_url(raw: str) -> str:
    """`files.example.com` → `https://files.example.com`; `http://host:port` is kept (local proxies).

    Only scheme, host and port: presigned URLs sign their path and query, so a base with a path would break them.
    """
    from urllib.parse import urlsplit

    raw = raw.strip()
    if not raw:
        return ""
    parts = urlsplit(raw if "://" in raw else "https://" + raw)
    try:
        parts.port
    except ValueError:
        parts = parts._replace(scheme="")
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.path not in ("", "/") or parts.query \
            or parts.fragment or parts.username or parts.password:
        raise ConfigError("WXBASE_FILES_DOMAIN must be a host name such as files.example.com (no path).")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def default_collections_path() -> str:
    return os.path.join(os.path.dirname(os.path.dirname(__file__)), "collections.json")


def _positive_int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number.") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive.")
    return value


def json_list(variable: str, raw: str, of_what: str) -> list:
    """A variable holding a JSON list; a ConfigError naming the variable (never its value) for anything else."""
    return json_config(variable, raw, list, of_what)


def json_config(variable: str, raw: str, shape: type[Shape], of_what: str) -> Shape:
    """A variable holding a JSON list or object; a ConfigError naming the variable (never its value) otherwise."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{variable} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} "
                          f"(character {exc.pos}).") from None
    if not isinstance(value, shape):
        raise ConfigError(f"{variable} must be a JSON {'list' if shape is list else 'object'} of {of_what}.")
    return value


def parse_apps(raw: str) -> tuple[WeChatApp, ...]:
    items = json_list("WXBASE_APPS", raw, "apps")
    apps, seen = [], set()
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("appid"), str) or not item["appid"]:
            raise ConfigError(f"WXBASE_APPS[{i}] needs an appid.")
        appid = item["appid"]
        if appid in seen:
            raise ConfigError(f"WXBASE_APPS lists {appid} twice.")
        seen.add(appid)
        app_type = item.get("type", "miniprogram")
        if app_type not in APP_TYPES:
            raise ConfigError(f"WXBASE_APPS[{appid}].type must be one of {', '.join(APP_TYPES)}.")
        token_mode = item.get("tokenMode", "stable")
        if token_mode not in TOKEN_MODES:
            raise ConfigError(f"WXBASE_APPS[{appid}].tokenMode must be one of {', '.join(TOKEN_MODES)}.")
        # unset, it follows the app's keys: with an EncodingAESKey only encrypted pushes (a plaintext push is signed
        # by its URL alone, so a captured URL would let a forged body in)
        callback_mode = item.get("callbackMode") or ("compatible" if item.get("encodingAESKey") else "plaintext")
        if callback_mode not in CALLBACK_MODES:
            raise ConfigError(f"WXBASE_APPS[{appid}].callbackMode must be one of {', '.join(CALLBACK_MODES)}.")
        max_age = item.get("callbackMaxAgeSeconds", 300)
        if not isinstance(max_age, int) or isinstance(max_age, bool) or max_age < 0:
            raise ConfigError(f"WXBASE_APPS[{appid}].callbackMaxAgeSeconds must be a whole number >= 0.")
        replies = item.get("autoReplies", [])
        if not isinstance(replies, list) or not all(
            isinstance(r, dict) and isinstance(r.get("keyword"), str) and isinstance(r.get("reply"), dict)
            for r in replies
        ):
            raise ConfigError(f"WXBASE_APPS[{appid}].autoReplies must be a list of {{keyword, reply}}.")
        apps.append(
            WeChatApp(
                appid=appid,
                secret=Secret(item.get("secret", ""), f"{appid}.secret"),
                token=Secret(item.get("token", ""), f"{appid}.token"),
                encoding_aes_key=Secret(item.get("encodingAESKey", ""), f"{appid}.encodingAESKey"),
                previous_encoding_aes_key=Secret(item.get("encodingAESKeyPrevious", ""),
                                                 f"{appid}.encodingAESKeyPrevious"),
                type=app_type,
                callback_max_age_seconds=max_age,
                callback_mode=callback_mode,
                token_mode=token_mode,
                auto_replies=tuple(replies),
            )
        )
    return tuple(apps)


DEFAULT_LOGS_DAYS = 5  # PocketBase's default logs retention


def logs_days() -> int:
    """WXBASE_LOGS_DAYS: how many days request logs are kept (0 turns them off, as PocketBase's maxDays does)."""
    raw = _env("WXBASE_LOGS_DAYS", str(DEFAULT_LOGS_DAYS)).strip()
    if not raw.isdigit() or int(raw) > 3650:
        raise ConfigError("WXBASE_LOGS_DAYS must be a whole number of days from 0 to 3650.")
    return int(raw)


def realtime_url() -> str:
    """WXBASE_REALTIME_URL: the WebSocket URL clients connect to (`wss://…` deployed, `ws://…` under make dev);
    empty when this deployment serves no realtime endpoint."""
    return _env("WXBASE_REALTIME_URL").strip()


def realtime_management_url() -> str:
    """Where that endpoint's @connections management API is: WXBASE_REALTIME_MANAGEMENT_URL, else the endpoint's
    own host and stage over https (API Gateway serves both there)."""
    explicit = _env("WXBASE_REALTIME_MANAGEMENT_URL").strip()
    if explicit:
        return explicit
    url = realtime_url()
    if url.startswith("wss://"):
        return "https://" + url[len("wss://"):]
    return "http://" + url[len("ws://"):] if url.startswith("ws://") else ""
