"""Content security on record fields: text/editor fields marked `"secCheck": {"scene": 1-4}` in the collections
file are checked with WeChat's `wxa/msg_sec_check` (v2) when a user creates or changes them.

- `risky` → 400 naming the field (`validation_content_risky`); nothing is written.
- `review` → the record is stored and flagged: `data["@review"][field] = {label, traceId, at}`. The flag is not a
  schema field (field names can't start with `@`), so the records API can't write it; only admins see it. A later
  change of that field that passes clears its flag.
- Only non-blank values that differ from the stored ones are checked; unmarked fields never reach WeChat. Editor
  HTML is checked as the text readers see (records/moderation/editor_text.py: entities decoded, tags removed
  without joining or splitting words, alt and title text included).
- Admin keys skip the check: there is no WeChat user to check as (WeChat requires the openid of a user of the app
  active in the last two hours), and admins are the operators who moderate.
- A user is checked as their identity in the app their token was issued for (its openid), else in another
  mini-program of this deployment; a user with neither can't write marked fields (403).
- Fail closed: WeChat busy, unreachable or refusing → 503 and nothing written. Publishing unchecked text can get
  the mini-program suspended; the user can simply retry.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core import clock, logs
from chalicelib.core.errors import ApiError, BadRequest, Forbidden, ServiceUnavailable, field_error
from chalicelib.core.settings import WeChatApp, get_settings
from chalicelib.records.layout import REVIEW_FLAG as FLAG
from chalicelib.records.moderation import editor_text
from chalicelib.records.schema.fields import field_type
from chalicelib.records.schema.model import Collection, Field
from chalicelib.store import identities
from chalicelib.wechat import budgets

if TYPE_CHECKING:
    from chalicelib.records.access import Caller
    from chalicelib.wechat.security import Verdict

OPTION = "secCheck"


def marked_fields(collection: Collection) -> list[Field]:
    return [f for f in collection.fields.values() if field_type(f).content_check == "text" and f.options.get(OPTION)]


def apply(collection: Collection, data: dict[str, Any], caller: Caller, old: dict[str, Any] | None = None) -> None:
    """Check the marked fields that `data` changes (relative to `old`) and set/clear the review flag in `data`."""
    marked = marked_fields(collection)
    if not marked:
        return
    flags = dict(data.get(FLAG) or {})
    changed = []
    for f in marked:
        if data.get(f.name) in (None, ""):
            flags.pop(f.name, None)  # nothing left to review
        elif data.get(f.name) != (old or {}).get(f.name):
            flags.pop(f.name, None)  # replaced (an admin's edit is the moderation)
            changed.append(f)
    if changed and not caller.is_admin:
        verdicts = caller.memo.setdefault("content_verdicts", {})  # a retried write doesn't call WeChat again
        identity: tuple[WeChatApp, str] | None = None
        risky = {}
        for f in changed:
            key = (collection.name, f.name, data[f.name])
            if key not in verdicts:
                identity = identity or checker(caller)
                verdicts[key] = _check(*identity, f, data[f.name])
            verdict = verdicts[key]
            if verdict.risky:
                logs.event("content_risky", collection=collection.name, field=f.name, label=verdict.label,
                           trace_id=verdict.trace_id, user=caller.user_id)
                risky[f.name] = field_error("validation_content_risky",
                                            "This text can't be published (WeChat content security).")
            elif verdict.needs_review:
                flags[f.name] = {"label": verdict.label, "traceId": verdict.trace_id, "at": clock.pb_datetime()}
                logs.event("content_review", collection=collection.name, field=f.name, label=verdict.label,
                           trace_id=verdict.trace_id, user=caller.user_id)
        if risky:
            raise BadRequest("The content was rejected by WeChat's content security check.", risky)
    if flags:
        data[FLAG] = flags
    else:
        data.pop(FLAG, None)


def checker(caller: Caller) -> tuple[WeChatApp, str]:
    """(app, openid) to check as: the token's app identity, else any mini-program identity of the user (text here,
    images in records/moderation/image_check.py)."""
    if caller.user_id is None:
        raise Forbidden("Only WeChat users can write this content.")
    apps = {a.appid: a for a in get_settings().apps if a.is_miniprogram}
    found: dict[str, str] = {i["appid"]: i["openid"] for i in identities.identities(caller.user_id)
                             if i.get("appid") in apps and i.get("openid")}
    appid = caller.appid if caller.appid in found else next(iter(sorted(found)), None)
    if appid is None:
        raise Forbidden("Writing this content needs a WeChat identity in one of this server's mini-programs.")
    return apps[appid], found[appid]


def _check(app: WeChatApp, openid: str, f: Field, value: str) -> Verdict:
    from chalicelib.wechat import security

    text = editor_text.visible_text(value) if field_type(f).markup else value  # what readers see, not markup
    if not text.strip():
        return security.Verdict(suggest="pass", label=100)
    budgets.spend("contentCheck", app.appid, openid)
    try:
        return security.check_text(app, openid, text, scene=f.options[OPTION]["scene"])
    except ValueError:
        raise BadRequest("The content is too long for WeChat's content security check.", {f.name: field_error(
            "validation_content_too_long", f"At most {security.MAX_CHARS_PER_CALL * security.MAX_CALLS} "
            "characters can be checked.")}) from None
    except ApiError as exc:
        logs.event("content_check_unavailable", field=f.name, status=exc.status,
                   errcode=getattr(exc, "errcode", None))
        if exc.status == 429:
            raise
        raise ServiceUnavailable("WeChat's content security check is unavailable; nothing was saved. Try again "
                                 "shortly.", {f.name: field_error("validation_content_check_unavailable",
                                                                  "The content could not be checked.")}) from None
