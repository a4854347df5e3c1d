"""Legacy encrypted open data (WXBizDataCrypt): AES-128-CBC with the session_key, watermark checked.

`encryptedData`, `iv` and the session_key are base64; the plaintext is JSON whose `watermark` names the app and
the time WeChat encrypted it. CBC has no integrity check, so tampering shows up as bad padding, bad UTF-8, bad
JSON or a wrong watermark: every one of them is a 400, never a 500.
"""
from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

from chalicelib.core.errors import BadRequest

MAX_ENCRYPTED_CHARS = 64 * 1024
DEFAULT_MAX_AGE_SECONDS = 24 * 3600
CLOCK_SKEW_SECONDS = 300
_MAX_PAD = 32  # PKCS#7 over 16-byte blocks pads 1..16; some SDKs pad to 32-byte blocks, which is still valid AES


class OpenDataError(BadRequest):
    default_message = "The encrypted data could not be decrypted; get it from WeChat again."


def _b64(value: str, name: str, length: int | None = None) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise OpenDataError(f"{name} is not valid base64.", {name: {"code": "validation_invalid_value",
                                                                     "message": "Must be base64."}}) from None
    if length is not None and len(raw) != length:
        raise OpenDataError(f"{name} must be {length} bytes.", {name: {"code": "validation_invalid_value",
                                                                        "message": f"Must decode to {length} bytes."}})
    return raw


def _unpad(plain: bytes) -> bytes:
    pad = plain[-1] if plain else 0
    if not 1 <= pad <= _MAX_PAD or pad > len(plain) or plain[-pad:] != bytes([pad]) * pad:
        raise OpenDataError()
    return plain[:-pad]


def decrypt(session_key: str, encrypted_data: str, iv: str, appid: str, now: float | None = None,
            max_age_seconds: int = DEFAULT_MAX_AGE_SECONDS) -> dict[str, Any]:
    """The decrypted open data as a dict. `max_age_seconds=None` skips the freshness check (for old samples)."""
    from Crypto.Cipher import AES

    if len(encrypted_data) > MAX_ENCRYPTED_CHARS:
        raise OpenDataError("encryptedData is too long.")
    key = base64.b64decode(session_key)
    ciphertext = _b64(encrypted_data, "encryptedData")
    vector = _b64(iv, "iv", length=16)
    if not ciphertext or len(ciphertext) % 16:
        raise OpenDataError("encryptedData is not whole AES blocks.",
                            {"encryptedData": {"code": "validation_invalid_value", "message": "Not AES-CBC data."}})
    plain = _unpad(AES.new(key, AES.MODE_CBC, vector).decrypt(ciphertext))
    try:
        data = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise OpenDataError() from None
    if not isinstance(data, dict):
        raise OpenDataError()
    watermark = data.get("watermark")
    if not isinstance(watermark, dict) or watermark.get("appid") != appid:
        raise OpenDataError("The encrypted data was made for another app (watermark appid mismatch).")
    stamp = watermark.get("timestamp")
    if not isinstance(stamp, int) or isinstance(stamp, bool):
        raise OpenDataError("The encrypted data has no valid watermark timestamp.")
    if max_age_seconds is not None:
        current = time.time() if now is None else now
        if stamp > current + CLOCK_SKEW_SECONDS or current - stamp > max_age_seconds:
            raise OpenDataError("The encrypted data is too old (or from the future); get it from WeChat again.")
    return data
