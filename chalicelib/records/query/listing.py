"""PocketBase's list and view: `GET /api/collections/{c}/records[/{id}]`, with the list rule as a filter."""
from __future__ import annotations

import random
from typing import Any, Callable

from chalicelib.core.errors import BadRequest, Forbidden, field_error
from chalicelib.records import access, store
from chalicelib.records.filter import bind, evaluate, sqlvalues
from chalicelib.records.filter.tree import Compare, FieldRef, Op, all_of
from chalicelib.records.query import paging, planner, render, walk, params as list_params
from chalicelib.records.query.joins import RecordJoins
from chalicelib.records.query.planner import MAX_SCANNED, Plan, TooBroad
from chalicelib.records.schema.collections import get_schema

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000

Page = tuple[list[store.StoredRecord], Any, int | None]  # records, next position, total (None: count later)


SUPERUSER_ONLY = ("@collection.", "@request.")  # PocketBase: only superusers may filter or sort by these


def _check_client_params(params: dict, caller: access.Caller) -> None:
    if caller.is_admin:
        return
    for name in ("filter", "sort"):
        text = str(params.get(name) or "")
        for marker in SUPERUSER_ONLY:
            if marker in text:
                raise Forbidden(f"Only superusers can filter by {marker}")
    if params.get("filter") not in (None, "") and not str(params["filter"]).strip():
        raise BadRequest("Invalid filter: empty.",
                         {"filter": field_error("validation_invalid_filter", "The filter is empty.")})


def list_records(collection_name: str, params: dict, caller: access.Caller) -> dict[str, Any]:
    collection = access.collection(collection_name)
    access.require_rule(collection, "listRule", caller)
    _check_client_params(params, caller)
    page = max(1, list_params.whole_number(params, "page", 1))
    per_page = list_params.whole_number(params, "perPage", DEFAULT_PER_PAGE)
    per_page = DEFAULT_PER_PAGE if per_page <= 0 else min(per_page, MAX_PER_PAGE)
    skip_total = list_params.flag(params, "skipTotal")
    ctx = caller.context()
    user_filter = bind.bind(get_schema(), collection, params.get("filter") or "", ctx)
    sort = planner.parse_sort(collection, params.get("sort"), ctx)
    node = bind.fold(all_of([user_filter, access.rule(collection, "listRule", caller, ctx), *_joined(sort)]))
    p = planner.plan(collection, node, sort)
    joins = caller.related()
    qhash = paging.query_hash(p, per_page, caller.scope)
    cursor = params.get("cursor")

    found: list[store.StoredRecord]
    total: int | None
    if p.empty:
        found, next_position, total = [], None, 0
    elif p.get_id or p.memory_sort:
        found, next_position, total = _in_memory(p, page, per_page, cursor, qhash, joins)
    else:
        found, next_position, total = _page(p, page, per_page, cursor, qhash, skip_total, joins)
    if skip_total:
        total = -1
    elif total is None:
        total = (walk.total if p.walk else paging.total)(p, joins=joins)
    assert total is not None
    records = [render.for_caller(collection, r, caller) for r in found]
    render.expand(collection, records, found, params.get("expand"), caller)
    return {
        "page": page,
        "perPage": per_page,
        "totalItems": total,
        "totalPages": -1 if total < 0 else (total + per_page - 1) // per_page,
        "items": [render.pick(r, params.get("fields")) for r in records],
        "nextCursor": paging.encode_cursor(qhash, next_position) if next_position is not None else None,
    }


def _joined(sort: planner.Sort) -> list[Compare]:
    """A sort through a join joins too: like PocketBase, a record whose joined record the caller may not list is
    left out. `x.id = x.id` holds for every record but needs the join (filter/evaluate.py enumerates its rows)."""
    guards = []
    for ref, _ in sort:
        if any(hop.checked for hop in ref.path):
            guard = FieldRef("id", path=ref.path)
            guards.append(Compare(Op.EQ, guard, guard))
    return guards


def _page(p: Plan, page: int, per_page: int, cursor: Any, qhash: str, skip_total: bool,
          joins: RecordJoins) -> Page:
    if cursor:
        start = paging.decode_cursor(cursor, qhash)
    elif page == 1:
        start = None
    else:
        start, found = paging.page_start(qhash, page)
        if not found:
            known, start = paging.nearest_marker(qhash, page)
            if start is None and known > 1:
                return [], None, None  # the query ended before page `known`
            try:
                _, start, _ = _read(p)(p, start, (page - known) * per_page, joins=joins)
            except TooBroad:
                raise BadRequest(f"Page {page} can't be reached directly; request the pages in order or use "
                                 "nextCursor.", {"page": field_error("validation_invalid_value",
                                                                     "Too far ahead of the pages read so far.")})
            if start is None:
                return [], None, None
    if start is None and page > 1 and not cursor:
        return [], None, None  # a marker that says the query ended
    records, next_key, _ = _read(p)(p, start, per_page, joins=joins)
    if not cursor and next_key is not None:
        paging.remember(qhash, page + 1, next_key)
    total = None
    if not skip_total and not cursor and page == 1 and next_key is None:
        total = len(records)  # everything fits on page 1: no count needed
    return records, next_key, total


def _read(p: Plan) -> Callable[..., tuple[list[store.StoredRecord], Any, int]]:
    """Reads a planned query in order: a sort an index covers walks the index's values (query/walk.py)."""
    return walk.read if p.walk else paging.read


def _by(ref: FieldRef, joins: RecordJoins) -> Callable[[store.StoredRecord], Any]:
    if ref == planner.RANDOM:
        return lambda record: random.random()
    return lambda record: sqlvalues.sort_key(evaluate.sort_value(ref, record, joins))


def _in_memory(p: Plan, page: int, per_page: int, cursor: Any, qhash: str, joins: RecordJoins) -> Page:
    if p.get_id:
        one = store.get(p.collection.name, p.get_id)
        matches = [one] if one and evaluate.evaluate(p.residual, one, joins) else []
    else:
        matches, more, _ = paging.read(p, None, MAX_SCANNED + 1, joins=joins)
        if more is not None or len(matches) > MAX_SCANNED:
            raise TooBroad(p, "sorts")
        for ref, desc in reversed(p.memory_sort or []):
            matches.sort(key=_by(ref, joins), reverse=desc)
    offset = paging.decode_cursor(cursor, qhash) if cursor else (page - 1) * per_page
    if not isinstance(offset, int) or offset < 0:
        raise BadRequest("Invalid cursor.")
    found = matches[offset:offset + per_page]
    next_position = offset + per_page if offset + per_page < len(matches) else None
    return found, next_position, len(matches)


def view(collection_name: str, record_id: str, params: dict, caller: access.Caller) -> dict[str, Any]:
    collection = access.collection(collection_name)
    stored = access.visible(collection, record_id, caller)
    record = render.for_caller(collection, stored, caller)
    render.expand(collection, [record], [stored], params.get("expand"), caller)
    return render.pick(record, params.get("fields"))
