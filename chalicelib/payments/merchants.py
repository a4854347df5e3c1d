"""WXBASE_MERCHANTS: the WeChat Pay merchants of the deployment and the keys each one signs and verifies with.

`[{"mchid","appids":["wx…"],"serialNo","privateKey","apiV3Key","publicKeyId"?,"publicKey"?,
"platformCertificates"?:[…]}]`. Every secret may be `ssm:/path`; values are `Secret`s, revealed when a key is
first used and cached per value (a rotated SSM parameter yields new keys once the secrets cache moves on).
WeChat Pay signs with its public key (`PUB_KEY_ID_…`) or with a platform certificate (named by its serial);
during WeChat's migration ramp both appear, so a merchant may hold both and the `Wechatpay-Serial` header chooses.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from chalicelib.core.errors import BadRequest, NotFound
from chalicelib.core.secrets import Secret
from chalicelib.core.settings import ConfigError

DEFAULT_API_BASE = "https://api.mch.weixin.qq.com"


@dataclass(frozen=True)
class Merchant:
    mchid: str
    appids: tuple[str, ...]
    serial_no: str  # the serial of the merchant's API certificate (names the key requests are signed with)
    private_key: Secret
    api_v3_key: Secret
    public_key_id: str = ""
    public_key: Secret = Secret("", "publicKey")
    platform_certificates: tuple[Secret, ...] = ()

    def signing_key(self) -> Any:
        return load_key(self.private_key.reveal(), "privateKey")

    def api_v3_key_bytes(self) -> bytes:
        return self.api_v3_key.reveal().encode()

    def verifying_key(self, serial: str) -> Any | None:
        """WeChat Pay's key that `Wechatpay-Serial` names: its public key or one platform certificate's; None when
        this merchant holds no such key."""
        if not serial:
            return None
        if self.public_key_id and serial == self.public_key_id and self.public_key:
            return load_key(self.public_key.reveal(), "publicKey")
        for certificate in self.platform_certificates:
            found_serial, key = load_certificate(certificate.reveal())
            if found_serial == serial.upper():
                return key
        return None


def api_base() -> str:
    """WECHATPAY_API_BASE (make dev points it at the sandbox)."""
    return (os.environ.get("WECHATPAY_API_BASE") or DEFAULT_API_BASE).rstrip("/")


def merchants() -> tuple[Merchant, ...]:
    return parse(os.environ.get("WXBASE_MERCHANTS", "[]"))


def by_mchid(mchid: str) -> Merchant:
    found = next((m for m in merchants() if m.mchid == mchid), None)
    if found is None:
        raise NotFound("No merchant with that mchid is configured.")
    return found


def for_app(appid: str | None) -> Merchant:
    """The merchant whose appids hold this app (a 400 when none does: payments need a bound app)."""
    found = next((m for m in merchants() if appid and appid in m.appids), None)
    if found is None:
        raise BadRequest(f"No merchant is configured for the app {appid!r}.")
    return found


def _text(item: dict[str, Any], key: str, where: str, required: bool = True) -> str:
    value = item.get(key, "")
    if not isinstance(value, str) or (required and not value):
        raise ConfigError(f"{where}.{key} must be a non-empty string.")
    return value


@lru_cache(maxsize=8)
def parse(raw: str) -> tuple[Merchant, ...]:
    try:
        items = json.loads(raw or "[]")
    except ValueError:
        raise ConfigError("WXBASE_MERCHANTS is not valid JSON.") from None
    if not isinstance(items, list):
        raise ConfigError("WXBASE_MERCHANTS must be a JSON list of merchants.")
    found: list[Merchant] = []
    for i, item in enumerate(items):
        where = f"WXBASE_MERCHANTS[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{where} must be an object.")
        mchid = _text(item, "mchid", where)
        appids = item.get("appids")
        if not isinstance(appids, list) or not appids or not all(isinstance(a, str) and a for a in appids):
            raise ConfigError(f"{where}.appids must be a list of appids.")
        certificates = item.get("platformCertificates", [])
        if not isinstance(certificates, list) or not all(isinstance(c, str) and c for c in certificates):
            raise ConfigError(f"{where}.platformCertificates must be a list of PEM certificates.")
        public_key_id = _text(item, "publicKeyId", where, required=False)
        if bool(public_key_id) != bool(item.get("publicKey")):
            raise ConfigError(f"{where}: publicKeyId and publicKey go together.")
        if not public_key_id and not certificates:
            raise ConfigError(f"{where} needs publicKeyId and publicKey, or platformCertificates, to verify "
                              "WeChat Pay's signatures.")
        if any(m.mchid == mchid for m in found):
            raise ConfigError(f"WXBASE_MERCHANTS lists {mchid} twice.")
        found.append(Merchant(
            mchid=mchid, appids=tuple(appids), serial_no=_text(item, "serialNo", where),
            private_key=Secret(_text(item, "privateKey", where), f"{mchid}.privateKey"),
            api_v3_key=Secret(_text(item, "apiV3Key", where), f"{mchid}.apiV3Key"),
            public_key_id=public_key_id,
            public_key=Secret(item.get("publicKey") or "", f"{mchid}.publicKey"),
            platform_certificates=tuple(Secret(c, f"{mchid}.platformCertificate") for c in certificates),
        ))
    return tuple(found)


# Keys are parsed once per PEM value: RSA parsing costs milliseconds, a notification should cost none of them.
@lru_cache(maxsize=32)
def load_key(pem: str, what: str = "key") -> Any:
    """An RSA private or public key from PEM; ConfigError naming `what` (never the value) otherwise."""
    from Crypto.PublicKey import RSA

    try:
        return RSA.import_key(pem)
    except (ValueError, IndexError, TypeError):
        raise ConfigError(f"A merchant's {what} is not a PEM RSA key.") from None


@lru_cache(maxsize=32)
def load_certificate(pem: str) -> tuple[str, Any]:
    """(serial as upper-case hex, public key) of a platform certificate."""
    from Crypto.IO import PEM
    from Crypto.PublicKey import RSA
    from Crypto.Util.asn1 import DerSequence

    try:
        der = PEM.decode(pem)[0]
        tbs = DerSequence().decode(DerSequence().decode(der)[0])
        serial = tbs[1] if isinstance(tbs[0], bytes) else tbs[0]  # [0] version first, except in v1 certificates
        return format(serial, "X"), RSA.import_key(pem)
    except (ValueError, IndexError, TypeError, EOFError):
        raise ConfigError("A merchant's platform certificate is not a PEM X.509 certificate.") from None
