"""Binding a parsed filter: identifiers checked against the schema, `@request.*` and macros replaced by values,
operators adjusted to the field (membership on multi-valued fields, lowercased copies for `~`), constants folded.
The bound tree refers only to fields of one collection and literals; filter_eval evaluates it in Python and
filter_ddb compiles it for DynamoDB, with the same semantics (operators.py).

Multi-valued fields take `?=`, `~`, `!~`, `?~`, blank checks and `:length`; PocketBase's match-all forms
(`tags = "x"`) would need every element read, so they are a 400 naming the any-of form.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.records import operators
from chalicelib.records.layout import FOLDED_TYPES
from chalicelib.records.filter_parser import FilterError, parse
from chalicelib.records.filter_tree import (FALSE, TRUE, And, Compare, Const, FieldRef, Ident, Literal, Node, Op,
                                            Operand, Or, identifiers)

if TYPE_CHECKING:
    from chalicelib.records.collections import Collection, Schema

AUTH_SYSTEM = ("id", "collectionId", "collectionName")
BODY_MODIFIERS = (None, "isset", "changed", "length")


class AuthValues(Protocol):
    """The caller's user for `@request.auth.*`."""

    id: str

    def value(self, name: str) -> Any: ...


@dataclass
class Context:
    """What `@request.*` resolves to for one request: `auth` None for guests; `old` the stored data (`:changed`)."""

    auth: AuthValues | None = None
    body: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    old: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.body, self.query = self.body or {}, self.query or {}
        self.headers, self.old = self.headers or {}, self.old or {}


def check(schema: Schema, collection: Collection, text: str, param: str = "filter") -> Node:
    """Validate a rule or filter against the schema (at load time) without request values."""
    node = parse(text, param)
    for ident in identifiers(node):
        _resolve(schema, collection, ident, None, param)
    return node


def bind(schema: Schema, collection: Collection, text: str, ctx: Context, param: str = "filter") -> Node:
    """Parse, resolve and fold: the tree left refers only to fields of `collection` and literals."""
    return fold(_bind(schema, collection, parse(text, param), ctx, param))


def _bind(schema: Schema, collection: Collection, node: Node, ctx: Context, param: str) -> Node:
    if isinstance(node, (And, Or)):
        return type(node)(tuple(_bind(schema, collection, child, ctx, param) for child in node.children))
    if isinstance(node, Const):
        return node
    left, right = (_resolve(schema, collection, o, ctx, param) if isinstance(o, Ident) else o
                   for o in (node.left, node.right))
    op = node.op
    if isinstance(left, Literal) and isinstance(right, FieldRef):
        mirror = operators.operator(op).mirror
        if mirror is None:
            raise FilterError(f"put the field on the left of {node.token!r}.", param)
        left, right, op = right, left, mirror
    term = Compare(op, left, right, node.any_of)
    if not isinstance(left, FieldRef):
        return term
    if left.name == "id" and isinstance(right, Literal) and operators.is_blank(right.value) \
            and op in (Op.EQ, Op.NEQ):
        return Const(op == Op.NEQ)  # ids are never blank (e.g. a guest's `id = @request.auth.id`)
    self_result = operators.operator(op).self_result
    if left == right and self_result is not None:
        _check_operation(collection, term, param)
        return Const(self_result)  # DynamoDB rejects `a >= a`; values are never null, so it's decided
    if _check_operation(collection, term, param):
        return replace(term, op=operators.MEMBERSHIP[op])
    if op in (Op.LIKE, Op.NOT_LIKE) and left.modifier in (None, "lower") and _foldable(collection, left.name):
        # PocketBase's ~ is SQL LIKE: case-insensitive. Compare lowercased copies (records/store.py keeps them).
        assert isinstance(right, Literal)
        return replace(term, left=FieldRef(left.name, "lower"), right=Literal(right.value.lower()))
    return term


def _foldable(collection: Collection, name: str) -> bool:
    f = collection.field(name)
    return f is not None and f.type in FOLDED_TYPES and not f.multiple


def _multiple(collection: Collection, operand: FieldRef) -> bool:
    f = collection.field(operand.name)
    return bool(f and f.multiple) and operand.modifier != "length"


def _check_operation(collection: Collection, term: Compare, param: str) -> bool:
    """Refuse what can't be compared; True when the term is a membership test on a multi-valued field."""
    left, right, op = term.left, term.right, term.op
    assert isinstance(left, FieldRef)
    row = operators.operator(op)
    multiple = _multiple(collection, left)
    if isinstance(right, FieldRef):
        if multiple or _multiple(collection, right) or row.ddb_fields is None or term.any_of:
            raise FilterError(f"comparing {left.name} with {right.name} by {term.token!r} is not supported.", param)
        if _kind(collection, left) != _kind(collection, right):
            raise FilterError(f"{left.name} and {right.name} hold different kinds of values.", param)
        return False
    assert isinstance(right, Literal)
    value = right.value
    if multiple and operators.is_blank(value) and op in (Op.EQ, Op.NEQ):
        return False
    if multiple:
        if op in operators.MEMBERSHIP and (term.any_of or op != Op.EQ):
            return True
        raise FilterError(f"{left.name} holds several values: use ?= (contains) or !~ (does not contain), "
                          f"not {term.token!r}.", param)
    if row.needs_text:
        if not isinstance(value, str):
            raise FilterError(f"{term.token!r} needs a text value.", param)
        _, core = operators.like_pattern(value)
        if "%" in core:
            raise FilterError(f"{term.token!r} supports 'text', 'prefix%' and '%text%' patterns only.", param)
    return False


def _kind(collection: Collection, operand: FieldRef) -> str:
    """What a field operand holds, for field-to-field comparisons: number, bool, json or text."""
    f = collection.field(operand.name)
    if operand.modifier == "length" or (f is not None and f.type == "number"):
        return "number"
    return f.type if f is not None and f.type in ("bool", "json") else "text"


def _resolve(schema: Schema, collection: Collection, ident: Ident, ctx: Context | None, param: str) -> Operand:
    name, modifier = ident.name, ident.modifier
    if name.startswith("@request."):
        return _request_value(schema, collection, name[len("@request."):], modifier, ctx, param)
    if name.startswith("@collection."):
        raise FilterError("@collection joins are not supported; denormalize the value into this collection.", param)
    if name.startswith("@"):
        if modifier:
            raise FilterError(f"{name} takes no modifier.", param)
        return Literal(macro(name, param))
    if "." in name:
        raise FilterError(f"{name}: filtering through relations is not supported; filter on "
                          f"{name.split('.')[0]} (the related id).", param)
    if not collection.has(name):
        raise FilterError(f"unknown field {name!r} in collection {collection.name}.", param)
    f = collection.field(name)
    if (modifier not in (None, "length", "lower") or (modifier == "length" and not (f and f.multiple))
            or (modifier == "lower" and not (f and f.type in FOLDED_TYPES))):
        raise FilterError(f"the modifier :{modifier} is not supported on {name}.", param)
    if f is not None and f.hidden and param == "filter":
        raise FilterError(f"unknown field {name!r} in collection {collection.name}.", param)
    return FieldRef(name, modifier)


def _request_value(schema: Schema, collection: Collection, path: str, modifier: str | None, ctx: Context | None,
                   param: str) -> Literal:
    head, _, rest = path.partition(".")
    if head in ("method", "context") and not rest:
        if modifier:
            raise FilterError(f"@request.{head} takes no modifier.", param)
        return Literal(None if ctx is None else (ctx.method if head == "method" else "default"))
    if head == "auth" and rest:
        users = schema.users
        if "." in rest or not (rest in AUTH_SYSTEM or users.has(rest)) or modifier:
            raise FilterError(f"@request.auth.{rest}{':' + modifier if modifier else ''} does not exist.", param)
        if ctx is None:
            return Literal(None)
        return Literal("" if ctx.auth is None else ctx.auth.value(rest))
    if head == "body" and rest:
        if "." in rest or not (rest == "id" or collection.has(rest)) or modifier not in BODY_MODIFIERS:
            raise FilterError(f"@request.body.{rest}{':' + modifier if modifier else ''} does not exist.", param)
        if ctx is None:
            return Literal(None)
        value = ctx.body.get(rest)
        if modifier == "isset":
            return Literal(rest in ctx.body)
        if modifier == "changed":
            return Literal(rest in ctx.body and ctx.body[rest] != ctx.old.get(rest))
        if modifier == "length":
            return Literal(len(value) if isinstance(value, (list, str)) else 0)
        return Literal(value if isinstance(value, (str, int, float, bool)) or value is None else "")
    if head in ("query", "headers") and rest and "." not in rest:
        if modifier:
            raise FilterError(f"@request.{head}.{rest} takes no modifier.", param)
        if ctx is None:
            return Literal(None)
        source = ctx.query if head == "query" else ctx.headers
        found = source.get(rest)
        return Literal(found if isinstance(found, str) else "")
    raise FilterError(f"@request.{path} does not exist.", param)


def macro(name: str, param: str = "filter", now: float | None = None) -> Any:
    dt = datetime.fromtimestamp(time.time() if now is None else now, tz=timezone.utc)
    day = dt.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    values: dict[str, Any] = {
        "@now": dt, "@yesterday": dt - timedelta(days=1), "@tomorrow": dt + timedelta(days=1),
        "@todayStart": day, "@todayEnd": day + timedelta(days=1) - timedelta(milliseconds=1),
        "@monthStart": month, "@monthEnd": next_month - timedelta(milliseconds=1),
        "@yearStart": day.replace(month=1, day=1),
        "@yearEnd": day.replace(year=dt.year + 1, month=1, day=1) - timedelta(milliseconds=1),
        "@second": dt.second, "@minute": dt.minute, "@hour": dt.hour, "@weekday": (dt.weekday() + 1) % 7,
        "@day": dt.day, "@month": dt.month, "@year": dt.year,
    }
    if name not in values:
        raise FilterError(f"unknown macro {name}.", param)
    value = values[name]
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value


def fold(node: Node) -> Node:
    """Evaluate what no longer depends on a record; drop constants from and/or."""
    if isinstance(node, Compare) and isinstance(node.left, Literal) and isinstance(node.right, Literal):
        return Const(operators.compare(node.op, node.left.value, node.right.value))
    if not isinstance(node, (And, Or)):
        return node
    absorbing = isinstance(node, Or)  # True absorbs an or, False absorbs an and
    children = []
    for child in (fold(c) for c in node.children):
        if isinstance(child, Const):
            if child.value == absorbing:
                return child
            continue
        children.append(child)
    if not children:
        return Const(not absorbing)
    return children[0] if len(children) == 1 else type(node)(tuple(children))


def assume(node: Node, known: dict[str, Any]) -> Node:
    """The tree with comparisons on fields of known value (e.g. `owner = "x"` elsewhere in an AND) decided,
    so `owner = "x" && (status = "published" || owner = @request.auth.id)` reduces to the index-covered part."""
    if isinstance(node, (And, Or)):
        return fold(type(node)(tuple(assume(child, known) for child in node.children)))
    if (isinstance(node, Compare) and isinstance(node.left, FieldRef) and node.left.modifier is None
            and node.left.name in known and isinstance(node.right, Literal)):
        return Const(operators.compare(node.op, known[node.left.name], node.right.value))
    return node


__all__ = ["Context", "FALSE", "TRUE", "assume", "bind", "check", "fold", "macro", "FilterError"]
