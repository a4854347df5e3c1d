"""`wxbase export`: a collection's records to JSON Lines, as wxbase shows them or as CloudBase exports documents.
Either imports back unchanged (`wxbase import unicloud` reads the first, `wxbase import cloudbase` the second)."""
from __future__ import annotations

import json
from typing import Any, Iterator
from urllib.parse import quote

from cli.api import Deployment
from cli.importer import owner_field

SYSTEM = ("collectionId", "collectionName", "expand")


def records(api: Deployment, collection: str) -> Iterator[dict[str, Any]]:
    for record in api.records(collection):
        yield {k: v for k, v in record.items() if k not in SYSTEM}


def cloudbase_documents(api: Deployment, collection: str, appid: str | None) -> Iterator[dict[str, Any]]:
    """`_id`, dates as `{"$date": …}`, and `_openid`: the owner's openid in `appid` when the owner has one."""
    schema = api.collection(collection)
    dates = {"created", "updated"} | {f["name"] for f in schema["fields"] if f["type"] in ("date", "autodate")}
    owner = owner_field(schema)
    openids: dict[str, str | None] = {}
    for record in records(api, collection):
        doc: dict[str, Any] = {"_id": record.pop("id")}
        user = record.get(owner) if owner else None
        if appid and isinstance(user, str) and user:
            if user not in openids:
                openids[user] = _openid(api, user, appid)
            if openids[user]:
                doc["_openid"] = openids[user]
        for name, value in record.items():
            doc[name] = {"$date": value.replace(" ", "T")} if name in dates and value else value
        yield doc


def _openid(api: Deployment, user_id: str, appid: str) -> str | None:
    detail = api.request("GET", f"/api/admin/users/{quote(user_id, safe='')}")
    return next((i["openid"] for i in detail["identities"] if i["appid"] == appid), None)


def write(documents: Iterator[dict[str, Any]], out: Any) -> int:
    count = 0
    for doc in documents:
        out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        count += 1
    return count
