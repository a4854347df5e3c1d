"""WeChat Pay v3's cryptography: SHA256-with-RSA (PKCS#1 v1.5) signatures and AEAD_AES_256_GCM resources.

- A request is signed over `METHOD\\nPATH?QUERY\\ntimestamp\\nnonce\\nbody\\n`, where body is the exact bytes sent;
  the `Authorization` header is `WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,signature=…,timestamp=…,serial_no=…`.
- Responses and notifications are signed by WeChat Pay over `timestamp\\nnonce\\nbody\\n`.
- `wx.requestPayment`'s paySign is a signature over `appId\\ntimeStamp\\nnonceStr\\npackage\\n`.
- A notification's `resource` is AES-256-GCM ciphertext (tag appended, base64) under the APIv3 key, with the
  resource's `nonce` and `associated_data`.
"""
from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

AUTH_SCHEMA = "WECHATPAY2-SHA256-RSA2048"
NONCE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def nonce(length: int = 32) -> str:
    return "".join(secrets.choice(NONCE_ALPHABET) for _ in range(length))


def sign(private_key: Any, message: bytes) -> str:
    from Crypto.Hash import SHA256
    from Crypto.Signature import pkcs1_15

    return base64.b64encode(pkcs1_15.new(private_key).sign(SHA256.new(message))).decode()


def verify(public_key: Any, message: bytes, signature: str) -> bool:
    """True when `signature` (base64) is the key's signature of `message`; any malformed input is False."""
    from Crypto.Hash import SHA256
    from Crypto.Signature import pkcs1_15

    try:
        pkcs1_15.new(public_key).verify(SHA256.new(message), base64.b64decode(signature, validate=True))
    except (ValueError, TypeError, binascii.Error):
        return False
    return True


def request_message(method: str, path: str, timestamp: str, nonce_str: str, body: bytes) -> bytes:
    return f"{method}\n{path}\n{timestamp}\n{nonce_str}\n".encode() + body + b"\n"


def response_message(timestamp: str, nonce_str: str, body: bytes) -> bytes:
    return f"{timestamp}\n{nonce_str}\n".encode() + body + b"\n"


def authorization(mchid: str, serial_no: str, private_key: Any, method: str, path: str, body: bytes,
                  timestamp: str, nonce_str: str) -> str:
    signature = sign(private_key, request_message(method, path, timestamp, nonce_str, body))
    return (f'{AUTH_SCHEMA} mchid="{mchid}",nonce_str="{nonce_str}",signature="{signature}",'
            f'timestamp="{timestamp}",serial_no="{serial_no}"')


def pay_sign(private_key: Any, appid: str, timestamp: str, nonce_str: str, package: str) -> str:
    return sign(private_key, f"{appid}\n{timestamp}\n{nonce_str}\n{package}\n".encode())


def decrypt(api_v3_key: bytes, nonce_str: str, ciphertext: str, associated_data: str) -> bytes | None:
    """The plaintext, or None when the ciphertext, nonce, associated data or key don't match (a tampered resource
    fails its tag)."""
    from Crypto.Cipher import AES

    try:
        raw = base64.b64decode(ciphertext, validate=True)
        if len(raw) < 16 or len(api_v3_key) != 32 or not nonce_str:
            return None
        cipher = AES.new(api_v3_key, AES.MODE_GCM, nonce=nonce_str.encode())
        cipher.update(associated_data.encode())
        return cipher.decrypt_and_verify(raw[:-16], raw[-16:])
    except (ValueError, TypeError, binascii.Error):
        return None
