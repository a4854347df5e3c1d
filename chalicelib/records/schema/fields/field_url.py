"""url: a URL as ozzo-validation's is.URL accepts it, optionally limited by domain like email."""
from __future__ import annotations

import re
from typing import Any

from chalicelib.core.patterns import lazy
from chalicelib.records.schema.fields.base import EMPTY, DomainLimited, Invalid, check_domain
from chalicelib.records.schema.model import Field

# ozzo-validation's is.URL (PocketBase's url check): an optional scheme (lowercase only: `HTTP://` is refused), a
# host, an optional port, path and query
_URL = lazy(r"^(?-i:(?:ftp|tcp|udp|wss?|https?)://)?(?:\S+(?::\S*)?@)?"
            r"(?:\[[0-9a-f:.]+\]|(?:[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff_-]*[a-z0-9\u00a1-\uffff])?\.)*"
            r"[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff_-]*[a-z0-9\u00a1-\uffff])?\.?)(?::\d{1,5})?"
            r"(?:[/?#]\S*)?$", re.IGNORECASE)


class Url(DomainLimited):
    name = "url"

    def validate(self, f: Field, value: Any) -> None:
        if not value:
            return
        host = value.split("://", 1)[-1].split("/", 1)[0]
        if len(value) > 2048 or not _URL.match(value) or ("://" not in value and "." not in host):
            raise Invalid("validation_invalid_url", "Must be a valid url.")
        check_domain(f, re.sub(r"^[a-z]+://([^/:?#]+).*$", r"\1", value, flags=re.I),
                     "validation_url_domain_not_allowed")

    def json_schema(self, f: Field, answer: bool) -> dict[str, Any]:
        return {"anyOf": [{"type": "string", "format": "uri"}, EMPTY]}


TYPE = Url()
