"""Binding a parsed filter: identifiers resolved against the schema (fields, relation paths, back-relations,
`@collection` joins, json paths, modifiers), `@request.*` and macros replaced by values, constants folded.

The bound tree holds only FieldRefs and Literals; evaluate.py evaluates it as PocketBase's SQLite would, and
dynamodb.py pushes the parts DynamoDB can answer exactly into the read. What PocketBase refuses is refused here with
a 400: unknown fields, paths through non-relations, more than MAX_NESTED joins, hidden fields in a client's filter,
unknown modifiers. For a client's filter (not a rule, not an admin), every joined collection's list rule applies to
the records joined (PocketBase 0.40), and a collection whose list rule is locked can't be joined at all.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Protocol

from chalicelib.records.filter import evaluate, operators, sql_functions, sqlvalues
from chalicelib.records.filter.parser import FilterError, parse
from chalicelib.records.filter.tree import (TRUE, And, Compare, Const, FieldRef, Function, Hop, Ident, Literal, Node,
                                            Op, Operand, Or, identifiers)
from chalicelib.records.schema.fields import TYPES, field_type
from chalicelib.records.schema.model import Collection, Schema
from chalicelib.core.patterns import lazy

AUTH_SYSTEM = ("id", "collectionId", "collectionName")
BODY_MODIFIERS = (None, "isset", "changed", "length")
MODIFIERS = ("isset", "each", "length", "lower", "changed")
MAX_NESTED = 6  # PocketBase's maxNestedRels
_VIA = lazy(r"^(\w+)_via_(\w+)$")


class AuthValues(Protocol):
    """The caller's user for `@request.auth.*`."""

    id: str

    def value(self, name: str) -> Any: ...


class Context:
    """What `@request.*` resolves to for one request: `auth` None for guests; `old` the stored data (`:changed`);
    `admin` for an admin caller (hidden fields filterable, joins not limited by list rules); `context` is
    `@request.context` ("expand" while expanding relations)."""

    __slots__ = ("auth", "body", "query", "method", "headers", "old", "admin", "context", "record")

    def __init__(self, auth: AuthValues | None = None, body: dict | None = None, query: dict | None = None,
                 method: str = "GET", headers: dict | None = None, old: dict | None = None, admin: bool = False,
                 context: str = "default", record: Callable[[str, str], dict | None] | None = None) -> None:
        self.auth, self.method, self.admin, self.context = auth, method, admin, context
        self.body, self.query, self.headers, self.old = body or {}, query or {}, headers or {}, old or {}
        # a stored record's values by (collection, id), None when there is none: `@request.body.<relation>.<field>`
        self.record = record


def check(schema: Schema, collection: Collection, text: str, param: str = "filter") -> Node:
    """Validate a rule or filter against the schema (at load time) without request values."""
    node = parse(text, param)
    for ident in identifiers(node):
        _Resolver(schema, None, param, restricted=False).operand(collection, ident)
    return node


def bind(schema: Schema, collection: Collection, text: str, ctx: Context, param: str = "filter") -> Node:
    """Parse, resolve and fold. A client's filter (param "filter", not an admin) is restricted: no hidden fields,
    and joined records must pass their collection's list rule; rules see everything, as PocketBase's do."""
    resolver = _Resolver(schema, ctx, param, restricted=param == "filter" and not ctx.admin)
    return fold(_bind(resolver, collection, parse(text, param)))


def sort_field(schema: Schema, collection: Collection, name: str, ctx: Context) -> FieldRef:
    """A sort expression's field (`-owner.name` without its sign), resolved like a client's filter."""
    resolver = _Resolver(schema, ctx, "sort", restricted=not ctx.admin)
    head, _, last = name.rpartition(".")
    last, _, modifier = last.partition(":")
    operand = resolver.operand(collection, Ident(f"{head}.{last}" if head else last, modifier or None))
    if not isinstance(operand, FieldRef):
        raise FilterError(f"{name!r} is not a field.", "sort")
    return operand


def _bind(resolver: _Resolver, collection: Collection, node: Node) -> Node:
    if isinstance(node, (And, Or)):
        return type(node)(tuple(_bind(resolver, collection, child) for child in node.children))
    if isinstance(node, Const):
        return node
    left, right = (resolver.resolve(collection, o) for o in (node.left, node.right))
    op = node.op
    mirror = operators.operator(op).mirror
    if isinstance(left, Literal) and isinstance(right, FieldRef) and mirror is not None:
        left, right, op = right, left, mirror  # the field on the left, where the planner looks for it
    term = Compare(op, left, right, node.any_of)
    if isinstance(left, FieldRef) and left.plain and left.name == "id" and isinstance(right, Literal) \
            and operators.is_blank(right.value) and op in (Op.EQ, Op.NEQ):
        return Const(op == Op.NEQ)  # ids are never blank (e.g. a guest's `id = @request.auth.id`)
    self_result = operators.operator(op).self_result
    if isinstance(left, FieldRef) and left == right and self_result is not None and not left.path \
            and not left.json_path and not TYPES[left.field_type].json_paths:
        return Const(self_result)  # never null, so decided (and DynamoDB rejects `a >= a`)
    return term


class _Resolver:
    """Resolves identifiers for one filter or rule; `restricted` for a client's filter (see bind)."""

    def __init__(self, schema: Schema, ctx: Context | None, param: str, restricted: bool) -> None:
        self.schema, self.ctx, self.param, self.restricted = schema, ctx, param, restricted

    def error(self, message: str) -> FilterError:
        return FilterError(message, self.param)

    def resolve(self, collection: Collection, operand: Operand) -> Operand:
        """An operand with its identifiers resolved (function arguments included)."""
        if isinstance(operand, Ident):
            return self.operand(collection, operand)
        if isinstance(operand, Function):
            spec = sql_functions.FUNCTIONS.get(operand.name)
            if spec is None:
                raise self.error(f"unknown function {operand.name}().")
            args = tuple(self.resolve(collection, a) for a in operand.args)
            problem = spec.check(args)
            if problem:
                raise self.error(f"{operand.name}() {problem}.")
            return Function(operand.name, args)
        return operand

    def operand(self, collection: Collection, ident: Ident) -> Operand:
        name, modifier = ident.name, ident.modifier
        if name.startswith("@request."):
            return _request_value(self.schema, collection, name[len("@request."):], modifier, self.ctx, self.param)
        segments = name.split(".")
        hops: list[Hop] = []
        if segments[0] == "@collection":
            if len(segments) < 3:
                raise self.error(f"{name}: name a collection and a field (@collection.posts.title).")
            target_name, _, alias = segments[1].partition(":")
            target = self.schema.get(target_name)
            if target is None:
                raise self.error(f"{name}: there is no collection {target_name!r}.")
            hops.append(self.hop("collection", target, alias=alias, multiple=True))
            collection, segments = target, segments[2:]
        elif name.startswith("@"):
            if modifier or len(segments) > 1:
                raise self.error(f"{name} takes no modifier.")
            return Literal(macro(name, self.param))
        if any(":" in s for s in segments):
            raise self.error(f"{name}: only @collection names take an alias.")
        return self.walk(collection, segments, modifier, hops)

    def walk(self, collection: Collection, segments: list[str], modifier: str | None,
             hops: list[Hop]) -> FieldRef:
        for i, prop in enumerate(segments[:-1]):
            f = collection.field(prop)
            if f is not None and f.hidden and self.restricted:
                raise self.error(f"non-filterable field {prop!r}.")
            if f is not None and field_type(f).json_paths:  # the rest is a path into the json value
                return FieldRef(prop, None, tuple(hops), tuple(segments[i + 1:]), f.type)
            if i >= MAX_NESTED:
                raise self.error(f"{'.'.join(segments)}: more than {MAX_NESTED} nested relations.")
            if f is None:
                collection = self.back_relation(collection, prop, hops)
                continue
            if not field_type(f).relates:
                raise self.error(f"{prop!r} is not a relation field of {collection.name}.")
            target = self.schema.get(f.target)
            assert target is not None
            if not f.multiple and i == len(segments) - 2 and segments[-1] == "id":
                return self.final(collection, prop, modifier, hops)  # `owner.id` is `owner`
            hops.append(self.hop("rel", target, field=prop, multiple=f.multiple))
            collection = target
        return self.final(collection, segments[-1], modifier, hops)

    def back_relation(self, collection: Collection, prop: str, hops: list[Hop]) -> Collection:
        match = _VIA.match(prop)
        source = self.schema.get(match.group(1)) if match else None
        f = source.fields.get(match.group(2)) if source is not None and match else None
        if source is None or f is None or not field_type(f).relates or f.target != collection.name:
            raise self.error(f"unknown field {prop!r} in collection {collection.name}.")
        if f.hidden and self.restricted:
            raise self.error(f"non-filterable back relation field {f.name!r}.")
        unique = source.unique_on(f.name)
        hops.append(self.hop("back", source, field=f.name, multiple=f.multiple or not unique))
        return source

    def hop(self, kind: str, target: Collection, field: str = "", alias: str = "", multiple: bool = False) -> Hop:
        if self.restricted and target.rules["listRule"] is None:
            raise self.error(f"the fields of {target.name} can be filtered only by admins.")
        return Hop(kind, target.name, field, alias, multiple, checked=self.restricted)

    def final(self, collection: Collection, name: str, modifier: str | None, hops: list[Hop]) -> FieldRef:
        if modifier is not None and modifier not in MODIFIERS:
            raise self.error(f"unknown modifier :{modifier}.")
        if name in ("id", "created", "updated") and (name == "id" or name in collection.autodates):
            return FieldRef(name, modifier if modifier == "lower" else None, tuple(hops))
        f = collection.field(name)
        if f is None or name in AUTH_SYSTEM[1:]:
            raise self.error(f"unknown field {name!r} in collection {collection.name}.")
        if f.hidden and self.restricted:
            raise self.error(f"unknown field {name!r} in collection {collection.name}.")
        if modifier in ("each", "length") and field_type(f).multi_valued:
            pass  # a single value reads as a list of one (PocketBase's json_each/json_array_length normalization)
        elif modifier != "lower":
            modifier = None  # PocketBase ignores :isset and :changed on fields, and :each/:length on others
        return FieldRef(name, modifier, tuple(hops), (), f.type, f.multiple,
                        visible_email=name == "email" and collection.is_auth and self.restricted)


def _request_value(schema: Schema, collection: Collection, path: str, modifier: str | None, ctx: Context | None,
                   param: str) -> Literal:
    head, _, rest = path.partition(".")
    if head in ("method", "context") and not rest:
        if modifier:
            raise FilterError(f"@request.{head} takes no modifier.", param)
        return Literal(None if ctx is None else (ctx.method if head == "method" else ctx.context))
    if head == "auth" and rest:
        users = schema.users
        if "." in rest or not (rest in AUTH_SYSTEM or users.has(rest)) or modifier not in (None, "lower"):
            raise FilterError(f"@request.auth.{rest}{':' + modifier if modifier else ''} does not exist.", param)
        if ctx is None:
            return Literal(None)
        return _modified(Literal("" if ctx.auth is None else ctx.auth.value(rest)), modifier)
    if head == "body" and "." in rest:
        return _body_relation_value(schema, collection, rest, modifier, ctx, param)
    if head == "body" and rest:
        if not (rest == "id" or collection.has(rest)) or modifier not in BODY_MODIFIERS:
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
        if modifier not in (None, "lower"):
            raise FilterError(f"@request.{head}.{rest} takes no modifier but :lower.", param)
        if ctx is None:
            return Literal(None)
        source = ctx.query if head == "query" else ctx.headers
        found = source.get(rest)
        if head == "headers" and not isinstance(found, str):
            return Literal(None)  # a header that wasn't sent is NULL in PocketBase (a query value is '')
        return _modified(Literal(found if isinstance(found, str) else ""), modifier)
    raise FilterError(f"@request.{path} does not exist.", param)


def _modified(value: Literal, modifier: str | None) -> Literal:
    """`:lower` on a request value: SQLite's LOWER() of its text (ASCII letters only; NULL stays NULL)."""
    if modifier != "lower" or value.value is None:
        return value
    return Literal(sqlvalues.ascii_lower(sqlvalues.as_text(value.value) or ""))


def _body_relation_value(schema: Schema, collection: Collection, path: str, modifier: str | None,
                         ctx: Context | None, param: str) -> Literal:
    """`@request.body.<relation>.<field>`, or further through single relations (`@request.body.post.owner.name`):
    a field of the record the body's relation names, read through each relation in turn (NULL once one names no
    record, or a missing one), as PocketBase joins them."""
    name, *through, target_field = path.split(".")
    refused = FilterError(f"@request.body.{path}{':' + modifier if modifier else ''} does not exist.", param)
    hops: list[tuple[str, Collection]] = []  # (relation field, the collection it names), from the body on
    current = collection
    for step in [name, *through]:
        f = current.fields.get(step)
        target = schema.get(f.target) if f is not None and field_type(f).relates else None
        if f is None or target is None:
            raise refused
        if f.multiple:
            raise FilterError(f"@request.body.{path}: only single relations (maxSelect 1) can be read through in "
                              "a rule.", param)
        hops.append((step, target))
        current = target
    if modifier or len(hops) > MAX_NESTED or not (target_field == "id" or current.has(target_field)) \
            or target_field in AUTH_SYSTEM[1:]:
        raise refused
    if ctx is None:
        return Literal(None)
    values: dict[str, Any] | None = ctx.body
    for field_name, target in hops:
        related_id = values.get(field_name) if values is not None else None
        values = ctx.record(target.name, related_id) if isinstance(related_id, str) and related_id and ctx.record \
            else None
    value = None if values is None else values.get(target_field)
    return Literal(value if isinstance(value, (str, int, float, bool)) or value is None else "")


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
        return Const(evaluate.decide(node))
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
    if (isinstance(node, Compare) and isinstance(node.left, FieldRef) and node.left.plain
            and node.left.name in known and isinstance(node.right, Literal)):
        ref = node.left
        stored = TYPES[ref.field_type].sql_value(ref.multiple, known[ref.name])
        return Const(evaluate.compare(node, stored, evaluate.literal_value(node.right.value)) is True)
    return node
