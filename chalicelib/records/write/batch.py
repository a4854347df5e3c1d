"""PocketBase's batch API: `POST /api/batch` `{"requests": [{"method", "url", "body"?, "headers"?}]}`.

Record creates (`POST .../records`), updates (`PATCH .../records/{id}`), deletes (`DELETE .../records/{id}`) and
upserts (`PUT .../records`: an update when the body's `id` names a stored record, else a create) are each checked
as the records API checks them (rules, before hooks, validation, relations, files) by the records layer's own
staging functions (record_writes.py), added to one store.Changes and committed as one DynamoDB transaction: all or
nothing. After hooks and realtime events follow from the table's stream, once per stored change.

Answers as PocketBase's: a list of `{"status", "body"}` in request order (a delete's body is null); a request that
fails makes the whole batch a 400 `Batch transaction failed.` whose `data.requests.<index>` carries
`batch_request_failed` and that request's own error body. Limits: at most MAX_REQUESTS requests (PocketBase's
default), and DynamoDB's 100 actions per transaction: a record write takes one, plus one per counter, unique value
and upload ticket it moves, so a batch of many writes to indexed collections can reach it first (the request
that passes it fails, naming the limit). Requests apply in order, as in PocketBase's transaction: a request reads
the records earlier requests wrote as they left them, and successive writes of one record (create then update,
two updates, update then delete, delete then create) fold into the one action DynamoDB allows per item, each
request still checked and answered on its own; the stream then carries one change for that record. A delete's
cascade sees the batch's earlier writes too (records/write/cascade.py). What can't fold is refused with a 400: a
record a rule of an earlier request joined (and the write checks unchanged) that a later request writes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from chalicelib.core import logs
from chalicelib.core.errors import ApiError, BadRequest, Conflict, field_error
from chalicelib.records import access, store
from chalicelib.records.write import record_writes
from chalicelib.store import keys

MAX_REQUESTS = 50

_RECORDS = r"^/api/collections/(?P<collection>[^/?]+)/records"
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("PUT", re.compile(_RECORDS + r"(?:\?.*)?$"), "upsert"),
    ("POST", re.compile(_RECORDS + r"(?:\?.*)?$"), "create"),
    ("PATCH", re.compile(_RECORDS + r"/(?P<id>[^/?]+)(?:\?.*)?$"), "update"),
    ("DELETE", re.compile(_RECORDS + r"/(?P<id>[^/?]+)(?:\?.*)?$"), "delete"),
]


@dataclass
class Item:
    """One request of a batch, as sent."""

    index: int
    method: str
    url: str
    body: dict[str, Any]
    headers: dict[str, str]
    files: tuple[str, ...] = ()  # multipart file parts sent for this request (field names)


def read(payload: Any, files: dict[int, list[str]] | None = None) -> list[Item]:
    """The batch's requests; PocketBase's 400s for a body that isn't one, an empty batch and too many requests."""
    unreadable = BadRequest("Failed to read the submitted batch data.")
    if not isinstance(payload, dict):
        raise unreadable
    requests = payload.get("requests")
    if requests in (None, [], ""):
        raise BadRequest("Invalid batch request data.",
                         {"requests": field_error("validation_required", "Cannot be blank.")})
    if not isinstance(requests, list):
        raise unreadable
    if len(requests) > MAX_REQUESTS:
        raise BadRequest("Invalid batch request data.", {"requests": {
            **field_error("validation_length_too_long", f"The length must be no more than {MAX_REQUESTS}."),
            "params": {"max": MAX_REQUESTS, "min": 0}}})
    items = []
    for index, request in enumerate(requests):
        if not isinstance(request, dict):
            raise unreadable
        method, url = request.get("method", ""), request.get("url", "")
        body, headers = request.get("body") or {}, request.get("headers") or {}
        if not (isinstance(method, str) and isinstance(url, str) and isinstance(body, dict)
                and isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values())):
            raise unreadable
        items.append(Item(index, method.upper(), url, body, headers, tuple((files or {}).get(index, ()))))
    return items


def run(payload: Any, caller: access.Caller, files: dict[int, list[str]] | None = None) -> list[dict[str, Any]]:
    """Check every request, commit them as one transaction and answer each; a lost race re-reads and retries."""
    items = read(payload, files)
    for attempt in range(record_writes.MAX_WRITE_ATTEMPTS):
        changes = store.Changes()
        staged = _stage_all(items, caller, changes)
        try:
            changes.commit()
        except store.WriteRejected as exc:
            _raise_rejected(items, staged, changes, exc.positions)
            record_writes.backoff(attempt)
            continue
        for one in staged:
            one.staged.done()
        logs.event("records_batch", requests=len(items), actions=len(changes))
        return [_answer(one) for one in staged]
    raise _failed(0, Conflict())


@dataclass
class _Done:
    item: Item
    staged: record_writes.Staged
    caller: access.Caller
    params: dict[str, str]


def _stage_all(items: list[Item], caller: access.Caller, changes: store.Changes) -> list[_Done]:
    done: list[_Done] = []
    for item in items:
        clashes = len(changes.clashes())
        try:
            done.append(_stage_one(item, caller, changes))
        except ApiError as exc:
            raise _failed(item.index, exc) from None
        if len(changes.clashes()) > clashes:  # claims a unique value an earlier request of the batch claims
            message = f"Failed to {done[-1].staged.action} record."
            clashing = changes.not_unique(changes.clashes()[clashes:])
            raise _failed(item.index, record_writes.not_unique(message, clashing))
        if len(changes) > store.MAX_ACTIONS:
            raise _failed(item.index, BadRequest(
                f"The batch needs more than {store.MAX_ACTIONS} writes in one transaction (DynamoDB's limit); "
                "send it as smaller batches."))
    clash = _twice_written(changes, done)
    if clash is not None:
        raise _failed(clash, BadRequest("This request writes a record that an earlier request of the batch read "
                                        "for its rule: send them as separate batches."))
    return done


def _stage_one(item: Item, caller: access.Caller, changes: store.Changes) -> _Done:
    action, collection_name, record_id, query = _route(item)
    if item.files:
        raise BadRequest("Files are uploaded first (POST /api/files/upload); the record then takes the stored "
                         "file name.", {name: field_error("validation_invalid_value", "Send the stored file name.")
                                        for name in item.files})
    collection = access.collection(collection_name)
    params = dict(parse_qsl(query, keep_blank_values=True))
    body = dict(item.body)
    if action == "upsert":
        wanted = body.get("id")
        found = isinstance(wanted, str) and wanted and changes.get(collection.name, wanted) is not None
        action, record_id = ("update", wanted) if found else ("create", None)
    as_item = _caller(caller, item, params, {"create": "POST", "update": "PATCH", "delete": "DELETE"}[action])
    pending = changes.present()
    if action == "create":
        staged = record_writes.stage_create(collection, body, as_item, changes, pending=pending)
    elif action == "update":
        assert record_id is not None
        staged = record_writes.stage_update(collection, record_id, body, as_item, changes, pending=pending)
    else:
        assert record_id is not None
        staged = record_writes.stage_delete(collection, record_id, as_item, changes, alone=False)
    return _Done(item, staged, as_item, params)


def _route(item: Item) -> tuple[str, str, str | None, str]:
    """(action, collection, record id, query string) of a batch request; PocketBase's 400 for any other URL."""
    for method, pattern, action in _ROUTES:
        match = pattern.match(item.url) if item.method == method else None
        if match:
            record_id = match.groupdict().get("id")
            return (action, unquote(match["collection"]), unquote(record_id) if record_id else None,
                    urlsplit(item.url).query)
    raise UnknownAction()


class UnknownAction(ApiError):
    """A batch request that is not a record write: PocketBase answers it inside the batch's 400 as its generic
    500 (an internal error, never rendered on its own)."""

    status = 500


def _caller(caller: access.Caller, item: Item, params: dict[str, str], method: str) -> access.Caller:
    """The batch's caller as one request sees it: its own query, method and headers (`@request.*` in rules)."""
    headers = {**caller.headers, **{k.lower().replace("-", "_"): v for k, v in item.headers.items()
                                    if k.lower() != "authorization"}}
    one = replace(caller, query=params, headers=headers, method=method, memo={})
    one.auth = caller.auth  # the same user, read at most once for the whole batch
    return one


def _twice_written(changes: store.Changes, done: list[_Done]) -> int | None:
    """The index of the first request whose actions touch an item an earlier action of the batch touches."""
    seen: set[tuple[Any, Any]] = set()
    for position, action in enumerate(changes.actions()):
        body = next(iter(action.values()))
        key = body.get("Key") or body.get("Item") or {}
        item_key = (str(key.get(keys.TABLE_PK)), str(key.get(keys.TABLE_SK)))
        if item_key in seen:
            return next((one.item.index for one in done if position in one.staged.actions), done[-1].item.index)
        seen.add(item_key)
    return None


def _raise_rejected(items: list[Item], done: list[_Done], changes: store.Changes, positions: list[int]) -> None:
    """A condition failed: the first request it belongs to fails as it would alone (a taken id or unique value, a
    file already attached); a changed record (a lost race) returns for a retry."""
    for one in done:
        mine = [p for p in positions if p in one.staged.actions]
        if not mine:
            continue
        if one.staged.action == "create":
            raise _failed(one.item.index, record_writes.create_rejected(changes, one.staged, mine))
        error = (record_writes.update_rejected(changes, one.staged, mine) if one.staged.action == "update"
                 else record_writes.delete_rejected(changes, mine))
        if error is not None:
            raise _failed(one.item.index, error)


def _answer(one: _Done) -> dict[str, Any]:
    if one.staged.action == "delete":
        return {"status": 204, "body": None}
    return {"status": 200, "body": record_writes.answer(one.staged, one.caller, one.params)}


def _failed(index: int, error: ApiError) -> BadRequest:
    return BadRequest("Batch transaction failed.", {"requests": {str(index): {
        "code": "batch_request_failed", "message": "Batch request failed.",
        "response": error.body()}}})
