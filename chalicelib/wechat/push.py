"""Pushed WeChat messages as plain dicts: parsing XML or JSON bodies, and the key that identifies a message.

XML goes through defusedxml with DTDs forbidden, so entity expansion (billion laughs) and external entities never
happen; nesting depth and field counts are bounded so a hostile body costs little. XML and JSON pushes end up in the
same shape: `{"ToUserName": "...", "MsgType": "text", "CreateTime": "1482048670", ...}`, with nested elements
(e.g. a subscribe-message event's `List`) as dicts, or lists of dicts when repeated.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from chalicelib.core.errors import BadRequest

MAX_DEPTH = 6
MAX_ELEMENTS = 500


def parse(raw: bytes) -> dict[str, Any]:
    """A pushed body (bytes) as a dict; BadRequest for anything that isn't one message object."""
    head = raw.lstrip()[:1]
    if head == b"{":
        return _parse_json(raw)
    if head == b"<":
        return _parse_xml(raw)
    raise BadRequest("The message body must be XML or a JSON object.")


def _parse_json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("The message body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise BadRequest("The message body must be a JSON object.")
    return value


def _parse_xml(raw: bytes) -> dict[str, Any]:
    from xml.etree.ElementTree import ParseError

    import defusedxml
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException:
        raise BadRequest("The message XML may not declare a DTD or entities.") from None
    except (ParseError, ValueError):
        raise BadRequest("The message body is not valid XML.") from None
    if root.tag != "xml":
        raise BadRequest("The message XML must have an <xml> root element.")
    if sum(1 for _ in root.iter()) > MAX_ELEMENTS:
        raise BadRequest("The message XML has too many elements.")
    return _element_to_dict(root, 0)


def _element_to_dict(element: Any, depth: int) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        raise BadRequest("The message XML is nested too deeply.")
    out: dict[str, Any] = {}
    for child in element:
        value = _element_to_dict(child, depth + 1) if len(child) else (child.text or "").strip()
        if child.tag in out:
            previous = out[child.tag]
            out[child.tag] = (previous if isinstance(previous, list) else [previous]) + [value]
        else:
            out[child.tag] = value
    return out


def text_field(message: dict[str, Any], name: str) -> str:
    """A scalar field as text (XML gives strings, JSON numbers), or "" when absent or not a scalar."""
    value = message.get(name)
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (str, int, float)):
        return str(value)
    return ""


def message_key(message: dict[str, Any], raw: bytes) -> str:
    """What identifies one message across WeChat's redeliveries: MsgId for messages, FromUserName + CreateTime
    (+ Event, + trace_id) for events, and the exact decrypted bytes as a last resort. Hashed, so any value fits a
    key."""
    msg_id = text_field(message, "MsgId") or text_field(message, "msgid")
    sender, created = text_field(message, "FromUserName"), text_field(message, "CreateTime")
    if msg_id:
        basis = "m:" + msg_id
    elif sender and created:
        basis = "e:" + "\n".join((sender, created, text_field(message, "Event")))
        trace_id = text_field(message, "trace_id")
        if trace_id:  # asynchronous check results all come from WeChat's own sender, many in the same second
            basis += "\n" + trace_id
    else:
        basis = "b:" + hashlib.sha256(raw).hexdigest()
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:40]
