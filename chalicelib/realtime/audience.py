"""What one subscriber sees of one record change: the rule check and the rendering the REST API would apply to them.

A collection topic (`<collection>/*`) is checked against the list rule and the subscription's filter, a record
topic (`<collection>/<id>`) against the view rule (and the filter, when given), both with the subscriber's identity
at the time of sending (records/access.py, filter/bind.py, filter/evaluate.py, joins): the same evaluation a list or
view request makes. So a record the subscriber can't see never reaches them (a draft stays its author's), and:
- create/update: the record as it is now, when they may see it now;
- an update that takes the record out of their view: a delete (with the record as they last could see it);
- delete: when they could see the record as it was.
An update that brings a record into view is an update (PocketBase's action for it). The record is rendered by
records/query/render.py for that viewer (hidden fields, emails of other users, …).

One Audience serves one change for every subscriber: callers, bound rules and rendered records are shared by the
subscribers with the same identity, topic kind and filter.
"""
from __future__ import annotations

import logging
from typing import Any

from chalicelib.core import logs
from chalicelib.core.errors import ApiError, Forbidden
from chalicelib.records import access, store
from chalicelib.records.filter import bind
from chalicelib.records.query import render
from chalicelib.records.changes import RecordChange
from chalicelib.records.schema.model import Collection
from chalicelib.records.schema.collections import get_schema
from chalicelib.records.filter.tree import Node, all_of
from chalicelib.records.query.listing import SUPERUSER_ONLY

Decision = tuple[str, store.StoredRecord]  # the action the subscriber hears and the record as they see it


def check_filter(collection: Collection, text: str, caller: access.Caller) -> None:
    """A subscription's filter is a client's filter, as for a list request: checked once when subscribing
    (400 for a bad one, 403 for what only admins may filter by)."""
    if not text:
        return
    if not caller.is_admin:
        for marker in SUPERUSER_ONLY:
            if marker in text:
                raise Forbidden(f"Only superusers can filter by {marker}")
    bind.bind(get_schema(), collection, text, caller.context())


def rule_name(topic: str) -> str:
    return "listRule" if topic == "*" else "viewRule"


def decide(collection: Collection, change: RecordChange, caller: access.Caller, topic: str,
           filter_text: str = "") -> Decision | None:
    """The event this caller gets for this change on a subscription to `topic` with `filter_text`, or None."""
    name = rule_name(topic)
    if topic not in ("*", change.id) or (not caller.is_admin and collection.rules[name] is None):
        return None
    ctx = caller.context()
    parts: list[Node] = [access.rule(collection, name, caller, ctx)]
    if filter_text:
        parts.append(bind.bind(get_schema(), collection, filter_text, ctx))
    node = bind.fold(all_of(parts))

    def sees(record: store.StoredRecord | None) -> bool:
        return record is not None and access.allows(node, record, caller)

    if change.action == "delete":
        return ("delete", change.old) if change.old is not None and sees(change.old) else None
    if change.new is not None and sees(change.new):
        return change.action, change.new
    if change.action == "update" and change.old is not None and sees(change.old):
        return "delete", change.old
    return None


class Audience:
    """The subscribers' views of one change, computed once per distinct (identity, topic kind, filter)."""

    def __init__(self, change: RecordChange) -> None:
        self.change = change
        self.collection = get_schema().get(change.collection)
        self._callers: dict[tuple[str | None, str | None], access.Caller] = {}
        self._decisions: dict[tuple[str | None, str, str], Decision | None] = {}
        self._rendered: dict[tuple[str, str | None], tuple[str, dict[str, Any]]] = {}

    def caller(self, user_id: str | None, appid: str | None = None) -> access.Caller:
        key = (user_id, appid)
        found = self._callers.get(key)
        if found is None:
            found = self._callers[key] = access.Caller(user_id=user_id, appid=appid)
        return found

    def view(self, user_id: str | None, appid: str | None, topic: str,
             filter_text: str = "") -> tuple[str, dict[str, Any]] | None:
        """(action, rendered record) for this subscriber, or None when they hear nothing of the change."""
        if self.collection is None:
            return None
        key = (user_id, "*" if topic == "*" else "id", filter_text)
        if key not in self._decisions:
            try:
                self._decisions[key] = decide(self.collection, self.change, self.caller(user_id, appid), topic,
                                              filter_text)
            except ApiError as exc:  # e.g. a filter whose joins grew too broad since it was accepted
                logs.event("realtime.check_failed", level=logging.WARNING, collection=self.change.collection,
                           record=self.change.id, status=exc.status)
                self._decisions[key] = None
        decision = self._decisions[key]
        if decision is None or (topic != "*" and topic != self.change.id):
            return None
        action, record = decision
        # only an auth collection's records render differently per viewer (their own email and phone)
        render_key = (action, user_id if self.collection.is_auth else None)
        if render_key not in self._rendered:
            viewer = self.caller(user_id, appid)
            self._rendered[render_key] = (action, render.for_caller(self.collection, record, viewer))
        return self._rendered[render_key]
