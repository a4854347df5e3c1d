"""JSON Schemas of the routes' answers, for the OpenAPI document (routes/openapi_doc.py). Plain data: importing
this module costs nothing. Records are `#/components/schemas/record_<collection>` (records/schema/json_schema.py)."""
from __future__ import annotations

from typing import Any

USER = {"$ref": "#/components/schemas/record_users"}
STRING = {"type": "string"}
INTEGER = {"type": "integer"}
OBJECT = {"type": "object"}
TEXT_PLAIN = {"content": {"text/plain": {"schema": STRING}}}
HTML = {"content": {"text/html": {"schema": STRING}}}
REDIRECT = {"description": "Redirect", "headers": {"Location": {"schema": STRING}}}


def obj(required: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        found["required"] = list(required)
    return found


AUTH = obj(("token", "record", "meta"), token=STRING, record=USER,
           meta=obj(("isNew", "appid"), isNew={"type": "boolean"}, appid=STRING, openid=STRING))
REFRESHED = obj(("token", "record"), token=STRING, record=USER)
ENABLED = obj(("enabled",), enabled={"type": "boolean"}, duration=INTEGER)
AUTH_METHODS = obj(("password", "oauth2", "mfa", "otp"), password=obj(
    ("enabled",), enabled={"type": "boolean"}, identityFields={"type": "array", "items": STRING}),
    oauth2=obj(("enabled", "providers"), enabled={"type": "boolean"}, providers={"type": "array", "items": OBJECT}),
    mfa=ENABLED, otp=ENABLED)
WITH_RECORD = obj(("record",), record=USER)
DECRYPTED = obj(("data", "record"), data=OBJECT, record=USER)
IDENTITY = obj(("appid", "openid"), appid=STRING, type=STRING, openid=STRING, created=STRING)
LINKS = obj(("items", "unionid"), items={"type": "array", "items": IDENTITY}, unionid={"type": "boolean"},
            token={**STRING, "description": "after a detach: a fresh token for the caller"})
UPLOAD = obj(("key", "name", "recordId", "field", "collectionId"), key=STRING, name=STRING, recordId=STRING,
             field=STRING, collectionId=STRING, url=STRING, fields={"type": "object",
                                                                    "additionalProperties": STRING},
             expiresIn=INTEGER, multipart={"type": "boolean"}, uploadId=STRING, partSize=INTEGER,
             parts={"type": "array", "items": obj(("partNumber", "url"), partNumber=INTEGER, url=STRING)})
COMPLETED = obj(("key", "name", "size"), key=STRING, name=STRING, size=INTEGER)
FILE_TOKEN = obj(("token",), token=STRING)
SENT = obj(("status",), status={"enum": ["sent"]}, msgid={"type": ["string", "integer"]}, id=STRING)
QUEUED = obj(("status", "id", "sendAt"), status={"enum": ["queued"]}, id=STRING, sendAt=STRING)
MESSAGE = obj(("id", "status"), id=STRING, status={"enum": ["queued", "sending", "sent", "failed"]},
              appid=STRING, sendAt=STRING, attempts=INTEGER, created=STRING, sentAt=STRING,
              msgid={"type": ["string", "integer"]}, errcode={"type": ["integer", "null"]}, error=STRING)
ACCESS_TOKEN = obj(("access_token", "expires_at", "expires_in"), access_token=STRING,
                   expires_at={"type": "number"}, expires_in=INTEGER)
HEALTH = obj(("code", "message", "data"), code=INTEGER, message=STRING, data=OBJECT)
ADMIN_SESSION = obj(("token", "admin", "expiresAt"), token=STRING, admin=obj(("name",), name=STRING),
                    expiresAt={"type": ["string", "integer", "number"]})
PAGE = obj(("items",), items={"type": "array", "items": OBJECT}, nextCursor={"type": ["string", "null"]})
COLLECTIONS = obj(("page", "perPage", "totalItems", "totalPages", "items"), page=INTEGER, perPage=INTEGER,
                  totalItems=INTEGER, totalPages=INTEGER, items={"type": "array", "items": OBJECT})
LOG = obj(("id", "created", "data", "message", "level"), id=STRING, created=STRING, data=OBJECT, message=STRING,
          level=INTEGER)
LOGS = obj(("page", "perPage", "totalItems", "totalPages", "items"), page=INTEGER, perPage=INTEGER,
           totalItems=INTEGER, totalPages=INTEGER, items={"type": "array", "items": OBJECT})
LOG_STATS = {"type": "array", "items": obj(("date", "total"), date=STRING, total=INTEGER)}
