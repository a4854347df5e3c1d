"""Image content security on record file fields marked `"secCheck": {"scene": 1-4}` in the collections file.

When a user's write attaches an image to a marked field, the image is sent to WeChat's `wxa/media_check_async`
(version 2, media_type 2, a signed link WeChat can fetch, the user's openid and the field's scene) before the
write commits; the trace_id → (record, field, file) mapping is stored then, so the verdict can find its record.
The verdict arrives later as a `wxa_media_check` push (callback → queue → worker → `apply_verdict`):
- pass: nothing changes;
- review: the record is flagged as text review does (`data["@review"][field]`, with the review queue entry that
  records/store.Changes maintains); the image stays served;
- risky: flagged the same way and held back: its link answers 404 (records/file_access.py) until an admin clears
  the flag (the console's review queue: admin/moderation.py) or the file is replaced.
An image WeChat won't check is stored, flagged `unchecked` and held back until a moderator looks at it: the daily
quota is used up (45009), the user has not used the mini-program in the last two hours (61010), or WeChat could
not check it (the push carries an errcode, e.g. it could not download the file). Busy or unreachable WeChat fails
the write closed (503, nothing written), as text checks do; the user retries. Admin-key writes are not checked
(there is no WeChat user to check as). Files that are not images (by their stored content type) are not sent.

The flag of a file field: `{"suggest", "label", "traceId", "at", "files": {"<name>": {"suggest", "label"?,
"traceId"?, "reason"?, "at"}}}`, where the field-level values are those of its worst file.
"""
from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING, Any

from chalicelib.core import clock, logs
from chalicelib.core.errors import ApiError, Conflict, ServiceUnavailable, field_error
from chalicelib.core.settings import WeChatApp
from chalicelib.records import store
from chalicelib.records.layout import REVIEW_FLAG as FLAG
from chalicelib.records.moderation import text_check
from chalicelib.records.schema.collections import get_schema
from chalicelib.records.schema.fields import field_type
from chalicelib.records.schema.model import Collection, Field
from chalicelib.store import keys, objects, table
from chalicelib.wechat import media_check
from chalicelib.wechat.errcodes import SYSTEM_BUSY, WeChatError

if TYPE_CHECKING:
    from chalicelib.records.access import Caller

OPTION = "secCheck"
CHECK_LINK_SECONDS = 3600  # WeChat fetches the image soon after the call; its verdict comes within 30 minutes
TRACE_KEEP_SECONDS = 3 * 24 * 3600
HELD = ("risky", "unchecked")  # statuses whose file is not served until cleared
_RANK = {"review": 1, "unchecked": 2, "risky": 3}
_UNCHECKED_REASONS = {media_check.DAILY_QUOTA: "quota", media_check.USER_NOT_RECENT: "user-inactive"}
MAX_VERDICT_ATTEMPTS = 8


def marked_fields(collection: Collection) -> list[Field]:
    return [f for f in collection.fields.values() if field_type(f).content_check == "image" and f.options.get(OPTION)]


def _names(value: Any) -> list[str]:
    if not value:
        return []
    return list(value) if isinstance(value, list) else [value]


def is_held(data: dict[str, Any], field_name: str, filename: str) -> bool:
    """True when a file of the record is flagged risky or unchecked (not served until an admin clears it)."""
    entry = (data.get(FLAG) or {}).get(field_name) or {}
    files = entry.get("files") if isinstance(entry, dict) else None
    return isinstance(files, dict) and (files.get(filename) or {}).get("suggest") in HELD


def _entry(flags: dict[str, Any], field_name: str) -> dict[str, Any]:
    entry = flags.get(field_name)
    return entry if isinstance(entry, dict) else {}


def _summary(files: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """A field's flag from its flagged files (the worst one speaks for the field), or None when none is left."""
    if not files:
        return None
    worst = max(files.values(), key=lambda f: (_RANK.get(f.get("suggest", ""), 0), f.get("at", "")))
    return {"suggest": worst["suggest"], "label": worst.get("label", 0), "traceId": worst.get("traceId", ""),
            "at": max(f.get("at", "") for f in files.values()), "files": files}


def set_field_flag(flags: dict[str, Any], field_name: str, files: dict[str, dict[str, Any]]) -> None:
    summary = _summary(files)
    if summary:
        flags[field_name] = summary
    else:
        flags.pop(field_name, None)


def apply(collection: Collection, record_id: str, data: dict[str, Any], caller: Caller,
          old: dict[str, Any] | None = None) -> None:
    """Submit the newly attached images of marked fields; drop flags of files that left; flag unchecked ones."""
    marked = marked_fields(collection)
    if not marked:
        return
    flags = dict(data.get(FLAG) or {})
    for f in marked:
        names = _names(data.get(f.name))
        entry = _entry(flags, f.name)
        files = {n: v for n, v in (entry.get("files") or {}).items() if n in names}
        new = [n for n in dict.fromkeys(names) if n not in _names((old or {}).get(f.name))]
        if new and not caller.is_admin:
            for name in new:
                outcome = _submit_once(collection, record_id, f, name, caller)
                if outcome.get("unchecked"):
                    files[name] = {"suggest": "unchecked", "reason": outcome["unchecked"], "at": clock.pb_datetime()}
        set_field_flag(flags, f.name, files)
    if flags:
        data[FLAG] = flags
    else:
        data.pop(FLAG, None)


def _submit_once(collection: Collection, record_id: str, f: Field, name: str, caller: Caller) -> dict[str, str]:
    """{"trace": id} once WeChat took the image, {"unchecked": reason} when it won't check it, {} for non-images.
    Remembered per request, so a write retried after a lost race doesn't send the image again."""
    memo = caller.memo.setdefault("image_checks", {})
    key = (collection.name, record_id, f.name, name)
    if key not in memo:
        memo[key] = _submit(collection, record_id, f, name, caller)
    return memo[key]


def _submit(collection: Collection, record_id: str, f: Field, name: str, caller: Caller) -> dict[str, str]:
    object_key = objects.object_key(collection.id, record_id, name)
    found = objects.head(object_key)
    if found is None or not str(found.get("contentType", "")).startswith("image/"):
        return {}
    app, openid = text_check.checker(caller)
    try:
        trace_id = media_check.submit(app, openid, objects.signed_get_url(object_key, CHECK_LINK_SECONDS),
                                      f.options[OPTION]["scene"])
    except WeChatError as exc:
        if exc.errcode != SYSTEM_BUSY:
            reason = _UNCHECKED_REASONS.get(exc.errcode, f"errcode-{exc.errcode}")
            logs.event("image_unchecked", collection=collection.name, field=f.name, reason=reason,
                       errcode=exc.errcode, user=caller.user_id)
            return {"unchecked": reason}
        raise _unavailable(f, exc) from None
    except ApiError as exc:
        raise _unavailable(f, exc) from None
    now = int(time.time())
    table.put({**keys.media_check(app.appid, trace_id), "collectionName": collection.name, "recordId": record_id,
               "field": f.name, "file": name, "submittedAt": now, keys.TTL_ATTRIBUTE: now + TRACE_KEEP_SECONDS})
    logs.event("image_check_submitted", collection=collection.name, field=f.name, trace_id=trace_id)
    return {"trace": trace_id}


def _unavailable(f: Field, exc: ApiError) -> ApiError:
    logs.event("image_check_unavailable", field=f.name, status=exc.status, errcode=getattr(exc, "errcode", None))
    return ServiceUnavailable("WeChat's image check is unavailable; nothing was saved. Try again shortly.",
                              {f.name: field_error("validation_content_check_unavailable",
                                                   "The image could not be checked.")})


def apply_verdict(app: WeChatApp, fields: dict[str, Any]) -> str:
    """Apply a `wxa_media_check` push to the record it is about. Returns what happened (for logs and tests):
    the suggestion applied, or "unknown" / "duplicate" / "stale" when there was nothing to do."""
    verdict = media_check.verdict(fields)
    key = keys.media_check(app.appid, verdict.trace_id) if verdict.trace_id else None
    trace = table.get(key) if key else None
    if key is None or trace is None:
        logs.event("image_check_unknown_trace", appid=app.appid, trace_id=verdict.trace_id)
        return "unknown"
    if trace.get("state") == "done":
        return "duplicate"
    collection = get_schema().get(trace["collectionName"])
    status = "unchecked" if verdict.suggest == "error" else verdict.suggest
    for attempt in range(MAX_VERDICT_ATTEMPTS):
        record = store.get(trace["collectionName"], trace["recordId"]) if collection else None
        holds = record is not None and trace["file"] in _names(record.data.get(trace["field"]))
        changes = store.Changes()
        changes.add(table.update_op(key, "SET #state = :done, suggest = :suggest",
                                    condition="attribute_exists(pk) AND (attribute_not_exists(#state) OR "
                                              "#state <> :done)",
                                    names={"#state": "state"}, values={":done": "done", ":suggest": status}))
        if holds and status != "pass":
            assert record is not None and collection is not None
            changes.update(collection, record, _flagged(record.data, trace["field"], trace["file"], status,
                                                        verdict))
        try:
            changes.commit()
        except store.WriteRejected as exc:
            if 0 in exc.positions:
                return "duplicate"
            time.sleep(random.uniform(0, 0.01 * (2 ** attempt)))  # the record changed meanwhile: read it again
            continue
        outcome = status if holds else "stale"
        logs.event("image_check_verdict", appid=app.appid, trace_id=verdict.trace_id, outcome=outcome,
                   label=verdict.label, errcode=verdict.errcode, collection=trace["collectionName"])
        return outcome
    raise Conflict("The record kept changing while its image check was applied.")


def _flagged(data: dict[str, Any], field_name: str, filename: str, status: str,
             verdict: media_check.MediaVerdict) -> dict[str, Any]:
    flags = dict(data.get(FLAG) or {})
    files = dict(_entry(flags, field_name).get("files") or {})
    file_flag: dict[str, Any] = {"suggest": status, "label": verdict.label, "traceId": verdict.trace_id,
                                 "at": clock.pb_datetime()}
    if verdict.errcode:
        file_flag["reason"] = f"errcode-{verdict.errcode}"
    files[filename] = file_flag
    set_field_flag(flags, field_name, files)
    return {**data, FLAG: flags}
