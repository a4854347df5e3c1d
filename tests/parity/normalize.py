"""What of an answer is compared: status, data, error codes — not timestamps, random file-name suffixes, English
messages or the order of lists that have none.

- `created`/`updated` values (and any `YYYY-MM-DD HH:MM:SS.sssZ` under those keys) → "<datetime>".
- Stored file names `cover_52iwbgds7l.png` → `cover_*.png` (both servers add a random 10-char suffix).
- Errors → {"data": {field: {"code"}}}: the status is compared as the HTTP status, messages are English text. A
  failed batch request's entry keeps its `response` the same way ({"status", "data"}).
- List answers: wxbase's extension `nextCursor` is dropped; `items` are sorted by id unless the case is ordered.
- A case may compare only the ids and totals (`compare: "ids"`) where the order is random by design, and mask
  top-level keys (`mask: ["id"]`) whose values are generated.
"""
import re

DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$")
STORED_FILE = re.compile(r"^(?P<stem>[A-Za-z0-9_]+)_[a-z0-9]{10}(?P<ext>\.[a-z0-9]+)?$")
AUTODATES = ("created", "updated")
FILE_FIELDS = ("cover", "gallery", "avatar")
EXTENSIONS = ("nextCursor",)  # wxbase's documented additions to a list answer


def _file_name(value):
    if isinstance(value, str):
        match = STORED_FILE.match(value)
        return f"{match['stem']}_*{match['ext'] or ''}" if match else value
    if isinstance(value, list):
        return [_file_name(v) for v in value]
    return value


def _record(value):
    if isinstance(value, list):
        return [_record(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in AUTODATES and isinstance(item, str) and DATETIME.match(item):
            out[key] = "<datetime>"
        elif key in FILE_FIELDS:
            out[key] = _file_name(item)
        elif key in ("expand",) or isinstance(item, (dict, list)):
            out[key] = _record(item)
        else:
            out[key] = item
    return out


def _codes(data):
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        if isinstance(value, dict) and "code" in value and isinstance(value.get("response"), dict):
            response = value["response"]
            out[key] = {"code": value["code"], "response": {"status": response.get("status"),
                                                            "data": _codes(response.get("data"))}}
        elif isinstance(value, dict) and "code" in value:
            out[key] = {"code": value["code"]}
        elif isinstance(value, dict):
            out[key] = _codes(value)
        else:
            out[key] = "<value>"
    return out


def _id_key(item):
    return (str(item.get("id", "")) if isinstance(item, dict) else "", repr(item))


def answer(raw, ordered=True, compare="all"):
    status, body = raw.get("status"), raw.get("body")
    if status is None or status >= 400 or status <= 0:
        data = body.get("data") if isinstance(body, dict) else None
        return {"status": status, "data": _codes(data) if isinstance(data, dict) else data}
    if isinstance(body, dict) and "items" in body and "page" in body:
        body = {k: v for k, v in body.items() if k not in EXTENSIONS}
        items = _record(body.get("items") or [])
        if not ordered or compare == "ids":
            items = sorted(items, key=_id_key)
        if compare == "ids":
            items = [i.get("id") if isinstance(i, dict) else i for i in items]
        body = {**body, "items": items}
        return {"status": status, "body": body}
    if isinstance(body, list):  # getFullList
        items = _record(body)
        if not ordered or compare == "ids":
            items = sorted(items, key=_id_key)
        return {"status": status, "body": items}
    return {"status": status, "body": _record(body)}


def _mask(normalized, keys):
    body = normalized.get("body")
    if isinstance(body, dict):
        normalized["body"] = {k: ("<masked>" if k in keys else v) for k, v in body.items()}
    return normalized


def case(raw_answers, spec):
    ordered = not spec.get("unordered")
    answers = [answer(a, ordered=ordered, compare=spec.get("compare", "all")) for a in raw_answers]
    return [_mask(a, spec["mask"]) for a in answers] if spec.get("mask") else answers
