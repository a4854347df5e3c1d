"""email: an address, optionally limited to `onlyDomains` or excluding `exceptDomains`."""
from __future__ import annotations

from typing import Any

from chalicelib.core.patterns import lazy
from chalicelib.records.schema.fields.base import EMPTY, DomainLimited, Invalid, check_domain
from chalicelib.records.schema.model import Field

# Domain labels take the letters of international domain names as PocketBase's check (govalidator's) does: the
# BMP's letters past U+00A0 outside the surrogates and noncharacters (bü.de, 例え.jp).
_INTL = "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
_LABEL = f"[A-Za-z0-9{_INTL}](?:[A-Za-z0-9{_INTL}-]{{0,61}}[A-Za-z0-9{_INTL}])?"
_EMAIL = lazy(rf"^[^@\s]{{1,64}}@{_LABEL}(?:\.{_LABEL})+\Z")


class Email(DomainLimited):
    name = "email"

    def validate(self, f: Field, value: Any) -> None:
        if not value:
            return
        if len(value) > 255 or not _EMAIL.match(value):
            raise Invalid("validation_is_email", "Must be a valid email address.")
        check_domain(f, value.rsplit("@", 1)[-1], "validation_email_domain_not_allowed")

    def json_schema(self, f: Field, answer: bool) -> dict[str, Any]:
        return {"anyOf": [{"type": "string", "format": "email"}, EMPTY]}


TYPE = Email()
