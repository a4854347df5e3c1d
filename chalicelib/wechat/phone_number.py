"""getPhoneNumber, new flow: a one-time code from `<button open-type="getPhoneNumber">` → the user's phone."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chalicelib.core.errors import BadGateway
from chalicelib.core.settings import WeChatApp
from chalicelib.wechat import client

_DIGITS = re.compile(r"^\d{4,20}$")
_COUNTRY = re.compile(r"^\+?(\d{1,4})$")


@dataclass(frozen=True)
class PhoneNumber:
    number: str  # as WeChat shows it (with the country code for numbers outside China)
    pure: str  # without the country code
    country_code: str

    @property
    def e164(self) -> str:
        """One spelling per phone, used as the uniqueness key: `+<country code><number>`."""
        return f"+{self.country_code}{self.pure}"


def from_open_data(data: dict[str, Any]) -> PhoneNumber | None:
    """The phone in WeChat's phone_info / decrypted open data; None when the data has none."""
    pure = str(data.get("purePhoneNumber") or "").strip()
    country = _COUNTRY.match(str(data.get("countryCode") or "86").strip())  # WeChat sends it as text or a number
    if not _DIGITS.match(pure) or country is None:
        return None
    number = str(data.get("phoneNumber") or pure).strip()
    return PhoneNumber(number=number, pure=pure, country_code=country.group(1))


def get_phone_number(app: WeChatApp, code: str, openid: str | None = None) -> PhoneNumber:
    """`wxa/business/getuserphonenumber`; with `openid` WeChat also checks the code belongs to that user."""
    body = {"code": code}
    if openid:
        body["openid"] = openid
    data = client.for_app(app).call("POST", "/wxa/business/getuserphonenumber", json_body=body)
    info = data.get("phone_info")
    phone = from_open_data(info) if isinstance(info, dict) else None
    if phone is None:
        raise BadGateway("WeChat answered without a phone number.")
    watermark = info.get("watermark") or {}
    if watermark.get("appid") not in (None, app.appid):
        raise BadGateway("WeChat answered with a phone number for another app.")
    return phone
