"""WeChat message-push crypto (WXBizMsgCrypt): signatures and the AES envelope.

- signature     = sha1(sorted([token, timestamp, nonce]) joined)          (URL verification, plaintext mode)
- msg_signature = sha1(sorted([token, timestamp, nonce, Encrypt]) joined)  (compatible and safe modes)
- Encrypt = base64(AES-256-CBC(key, iv=key[:16], pkcs7_32(random(16) + len(msg) as 4 bytes big-endian + msg + appid)))
  with key = base64decode(EncodingAESKey + "=").

Decryption is strict: standard base64 only, whole 32-byte blocks, every padding byte checked, the length field
within bounds and the trailing appid equal to ours. Each failure is a `CryptoError` with a reason that names no
secret. pycryptodome is imported on first use.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
from typing import Any

BLOCK = 32
RANDOM_BYTES = 16
ENCODING_AES_KEY_LENGTH = 43


class CryptoError(Exception):
    """The envelope is malformed or not for us; `reason` is safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AppIdMismatch(CryptoError):
    pass


def signature(*parts: str) -> str:
    """WeChat's SHA1 over the sorted parts (token, timestamp, nonce[, Encrypt])."""
    return hashlib.sha1("".join(sorted(str(p) for p in parts)).encode("utf-8")).hexdigest()


def signature_matches(expected: str, presented: str | None) -> bool:
    return isinstance(presented, str) and hmac.compare_digest(expected.encode(), presented.lower().encode())


def aes_key(encoding_aes_key: str) -> bytes:
    if not isinstance(encoding_aes_key, str) or len(encoding_aes_key) != ENCODING_AES_KEY_LENGTH:
        raise ValueError("EncodingAESKey must be 43 characters")
    key = base64.b64decode(encoding_aes_key + "=")
    if len(key) != 32:
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return key


def _cipher(key: bytes) -> Any:
    from Crypto.Cipher import AES

    return AES.new(key, AES.MODE_CBC, key[:16])


def pad(data: bytes) -> bytes:
    count = BLOCK - len(data) % BLOCK
    return data + bytes([count]) * count


def unpad(data: bytes) -> bytes:
    if not data or len(data) % BLOCK:
        raise CryptoError("bad padding")
    count = data[-1]
    if not 1 <= count <= BLOCK or not hmac.compare_digest(data[-count:], bytes([count]) * count):
        raise CryptoError("bad padding")
    return data[:-count]


def encrypt(key: bytes, appid: str, message: bytes, random_prefix: bytes | None = None) -> str:
    """base64 text of the envelope around `message` (bytes or str)."""
    body = message.encode("utf-8") if isinstance(message, str) else message
    prefix = random_prefix if random_prefix is not None else secrets.token_bytes(RANDOM_BYTES)
    plain = prefix + struct.pack(">I", len(body)) + body + appid.encode("utf-8")
    return base64.b64encode(_cipher(key).encrypt(pad(plain))).decode("ascii")


def decrypt(key: bytes, appid: str, encrypted: str) -> bytes:
    """The message bytes inside `encrypted` (base64 text); CryptoError if anything is off."""
    if not isinstance(encrypted, str) or not encrypted:
        raise CryptoError("missing ciphertext")
    try:
        raw = base64.b64decode(encrypted.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise CryptoError("ciphertext is not valid base64") from None
    if not raw or len(raw) % BLOCK:
        raise CryptoError("ciphertext is not a whole number of blocks")
    plain = unpad(_cipher(key).decrypt(raw))
    if len(plain) < RANDOM_BYTES + 4:
        raise CryptoError("ciphertext is too short")
    (length,) = struct.unpack(">I", plain[RANDOM_BYTES:RANDOM_BYTES + 4])
    start = RANDOM_BYTES + 4
    if start + length > len(plain):
        raise CryptoError("length field out of range")
    message, trailing = plain[start:start + length], plain[start + length:]
    if not hmac.compare_digest(trailing, appid.encode("utf-8")):
        raise AppIdMismatch("the message is for another app")
    return message
