"""The message-push callback: verify, decrypt, deduplicate, enqueue. Everything slow happens in the worker.

Modes (chosen by WeChat's query string, as WeChat sends it):
- plaintext: `signature` = sha1(token, timestamp, nonce); the body is the message.
- compatible / safe: `encrypt_type=aes` and `msg_signature` = sha1(token, timestamp, nonce, Encrypt); the message
  is the decrypted `Encrypt` (plaintext fields a compatible-mode body also carries are ignored: only the ciphertext
  is covered by the signature).
Signatures are checked before anything else is trusted, in constant time; `callbackMaxAgeSeconds` bounds how old a
signed request may be, and replay_guard.py refuses a signed URL that comes back with another message; bodies are
bounded before parsing. An app's `callbackMode` (plaintext | compatible | safe, as set in the WeChat console)
accepts only pushes of that mode: in compatible and safe mode a plaintext push (signed by the URL alone) is refused,
and safe mode also refuses an envelope carrying plaintext fields. Unset, it follows the app's keys: `compatible`
(encrypted pushes only) for an app with an EncodingAESKey, `plaintext` for one without.
"""
from __future__ import annotations

import re
import time
from typing import Any

from chalicelib.core import logs
from chalicelib.core.errors import BadRequest, Forbidden, PayloadTooLarge, Unauthorized
from chalicelib.core.settings import ConfigError, WeChatApp
from chalicelib.store import queue
from chalicelib.wechat import inbox, msgcrypt, push, replay_guard

# WeChat's pushes are a few KB (compatible mode roughly triples a message); anything near this is not WeChat.
MAX_CALLBACK_BYTES = 128 * 1024
MAX_ECHOSTR_LENGTH = 256
_TIMESTAMP = re.compile(r"^\d{1,12}$")
_NONCE_MAX = 128

BAD_SIGNATURE = "The request signature is invalid."


def _param(params: dict[str, str], name: str, max_length: int = _NONCE_MAX) -> str:
    """A signed request's parameter: 401 when it is missing (the request is not WeChat's)."""
    value = params.get(name)
    if not value:
        raise Unauthorized(f"The {name} parameter is missing.")
    if len(value) > max_length:
        raise BadRequest(f"The {name} parameter is too long.")
    return value


def _signed_params(params: dict[str, str]) -> tuple[str, str]:
    timestamp = _param(params, "timestamp")
    if not _TIMESTAMP.match(timestamp):
        raise BadRequest("The timestamp parameter must be a number of seconds.")
    return timestamp, _param(params, "nonce")


def _check_age(app: WeChatApp, timestamp: str, now: float) -> None:
    """Reject a signed request outside the app's window (callbackMaxAgeSeconds; 0 turns the check off)."""
    window = app.callback_max_age_seconds
    if window and abs(now - int(timestamp)) > window:
        raise Forbidden("The request timestamp is outside the accepted window.")


def _check_url_signature(app: WeChatApp, params: dict[str, str], timestamp: str, nonce: str) -> None:
    expected = msgcrypt.signature(app.token.reveal(), timestamp, nonce)
    if not msgcrypt.signature_matches(expected, _param(params, "signature")):
        raise Unauthorized(BAD_SIGNATURE)


def verify_url(app: WeChatApp, params: dict[str, str], now: float | None = None) -> str:
    """The echostr to answer WeChat's URL verification with."""
    timestamp, nonce = _signed_params(params)
    _check_url_signature(app, params, timestamp, nonce)
    _check_age(app, timestamp, now or time.time())
    echostr = params.get("echostr")
    if not echostr:
        raise BadRequest("The echostr parameter is missing.")
    if len(echostr) > MAX_ECHOSTR_LENGTH:
        raise BadRequest("The echostr parameter is too long.")
    return echostr


def _aes_keys(app: WeChatApp) -> list[bytes]:
    """The current key, then the previous one while a rotation settles (`encodingAESKeyPrevious`): WeChat starts
    encrypting with a new EncodingAESKey when it is saved, so pushes already under way still use the old one."""
    keys: list[bytes] = []
    for name, secret in (("encodingAESKey", app.encoding_aes_key), ("encodingAESKeyPrevious",
                                                                     app.previous_encoding_aes_key)):
        if not secret and keys:
            continue
        try:
            keys.append(msgcrypt.aes_key(secret.reveal()))
        except ValueError:
            raise ConfigError(f"WXBASE_APPS[{app.appid}].{name} must be the 43-character key from the WeChat "
                              "console to receive encrypted pushes.") from None
    return keys


def _decrypt(app: WeChatApp, encrypt: str) -> bytes:
    """The first successful decryption under the app's keys; the current key's error when none succeeds."""
    errors: list[msgcrypt.CryptoError] = []
    for key in _aes_keys(app):
        try:
            return msgcrypt.decrypt(key, app.appid, encrypt)
        except msgcrypt.CryptoError as exc:
            errors.append(exc)
    raise errors[0]


def open_message(app: WeChatApp, params: dict[str, str], raw: bytes,
                 now: float | None = None) -> tuple[str, dict[str, Any], bytes]:
    """(mode, message dict, the message's bytes) for an authentic push; a 4xx ApiError otherwise."""
    if len(raw) > MAX_CALLBACK_BYTES:
        raise PayloadTooLarge(f"The message body is larger than {MAX_CALLBACK_BYTES} bytes.")
    timestamp, nonce = _signed_params(params)
    now = now or time.time()
    if (params.get("encrypt_type") or "raw").lower() != "aes":
        if app.callback_mode in ("compatible", "safe"):
            raise Forbidden(f"This app receives {app.callback_mode}-mode (encrypted) pushes only.")
        _check_url_signature(app, params, timestamp, nonce)
        _check_age(app, timestamp, now)
        return "plaintext", push.parse(raw), raw
    msg_signature = _param(params, "msg_signature")
    envelope = push.parse(raw)
    encrypt = envelope.get("Encrypt")
    if not isinstance(encrypt, str) or not encrypt:
        raise BadRequest("The encrypted message has no Encrypt field.")
    expected = msgcrypt.signature(app.token.reveal(), timestamp, nonce, encrypt)
    if not msgcrypt.signature_matches(expected, msg_signature):
        raise Unauthorized(BAD_SIGNATURE)
    if params.get("signature"):
        _check_url_signature(app, params, timestamp, nonce)
    _check_age(app, timestamp, now)
    try:
        plain = _decrypt(app, encrypt)
    except msgcrypt.AppIdMismatch:
        raise Forbidden("The encrypted message is addressed to another app.") from None
    except msgcrypt.CryptoError as exc:
        raise BadRequest(f"The encrypted message is invalid: {exc.reason}.") from None
    mode = "compatible" if set(envelope) - {"ToUserName", "Encrypt"} else "safe"
    if app.callback_mode == "plaintext" or (app.callback_mode == "safe" and mode != "safe"):
        raise Forbidden(f"This app receives {app.callback_mode}-mode pushes only.")
    return mode, push.parse(plain), plain


def receive(app: WeChatApp, params: dict[str, str], raw: bytes) -> bool:
    """Handle one push: True if it was queued, False if it was a redelivery of a message already queued."""
    started = time.monotonic()
    mode, message, plain = open_message(app, params, raw)
    key = push.message_key(message, plain)
    replay_guard.check(app, params, key)
    if not inbox.claim(app.appid, key):
        logs.event("wechat.push_duplicate", appid=app.appid, mode=mode, message_key=key)
        return False
    try:
        queue.send({"v": 1, "appid": app.appid, "key": key, "mode": mode, "message": message})
    except Exception:
        inbox.release(app.appid, key)  # let WeChat's retry queue it
        raise
    inbox.mark_queued(app.appid, key)
    logs.event("wechat.push_queued", appid=app.appid, mode=mode, message_key=key,
               msg_type=push.text_field(message, "MsgType"), event_name=push.text_field(message, "Event"),
               elapsed_ms=int((time.monotonic() - started) * 1000))
    return True
