"""A bound filter tree (filter/bind.py) evaluated against one stored record, as PocketBase's SQL would answer it.

- Values and comparisons follow SQLite (sqlvalues.py) and PocketBase's SQL for each operator (operators.py):
  three-valued results, '' and NULL alike in `=`/`!=` except for json values, `!=` as `IS NOT`, LIKE wrapping.
- Joins (relation paths, back-relations, `@collection`, a multi-valued field's `:each`) give a field several rows.
  Like SQL's joined rows, the whole expression is evaluated once per combination of rows and the record matches when
  one combination does. A comparison without `?` on a field with several rows must also hold for every row
  (PocketBase's multi-match `NOT EXISTS`); `?=`, `?~`… need just one.
- A client's filter only joins records that pass their collection's list rule (Joins.allowed).
The records a join reads come from a `Joins` (records/query/joins.py): related records are read in batches, once
per request.
"""
from __future__ import annotations

from typing import Any, Iterator, Protocol

from chalicelib.core.errors import BadRequest
from chalicelib.records.filter import operators, sql_functions, sqlvalues
from chalicelib.records.filter.sqlvalues import SqlValue, Truth
from chalicelib.records.schema.fields import TYPES
from chalicelib.records.filter.tree import (And, Compare, Const, FieldRef, Function, Hop, Literal, Node, Operand, Or,
                                            operands)

MAX_COMBINATIONS = 10_000  # joined row combinations evaluated for one record
Alias = tuple  # a join: the hops leading to it, plus ("each", field) for a multi-valued field's elements


class Record(Protocol):
    """A stored record as filters see it (records/store.StoredRecord)."""

    id: str
    data: dict[str, Any]

    def value(self, name: str) -> Any: ...


class Joins(Protocol):
    """Where joined records come from (records/query/joins.py)."""

    def follow(self, hop: Hop, record: Record) -> list[Any]: ...

    def allowed(self, hop: Hop, record: Any) -> bool: ...

    def prefetch(self, records: list[Any], node: Node) -> None: ...


class _NoJoins:
    def follow(self, hop: Hop, record: Record) -> list[Any]:
        raise BadRequest("This filter needs related records, which can't be read here.")

    def allowed(self, hop: Hop, record: Any) -> bool:
        return True

    def prefetch(self, records: list[Any], node: Node) -> None:
        pass


NO_JOINS = _NoJoins()


# --- operand values -------------------------------------------------------------------------------------------------

def _json_path(value: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


def _elements(raw: Any, counting: bool = False) -> list[Any]:
    """A select/relation/file value as a list: PocketBase reads a single value as a list of one (json_array()),
    except that :length counts '' and NULL as none."""
    if isinstance(raw, list):
        return raw
    return [] if counting and raw in (None, "") else [raw]


def _raw(ref: FieldRef, row: Any) -> Any:
    return row.value(ref.name) if hasattr(row, "value") else None


def field_value(ref: FieldRef, row: Any, element: Any = None) -> SqlValue:
    """The SQL value of `ref` on a (joined) record; `element` is the current element for `:each`."""
    if row is None:
        return None  # a LEFT JOIN that found nothing
    if ref.json_path:
        value = sqlvalues.json_scalar(_json_path(_raw(ref, row), ref.json_path))
    elif ref.modifier == "each":
        value = element
    elif ref.modifier == "length":
        value = len(_elements(_raw(ref, row), counting=True))
    else:
        value = TYPES[ref.field_type].sql_value(ref.multiple, _raw(ref, row))
    if ref.modifier == "lower" and value is not None:
        value = sqlvalues.ascii_lower(sqlvalues.as_text(value) or "")
    return value


def _affinity(ref: FieldRef) -> str | None:
    if ref.json_path or ref.modifier in ("each", "length", "lower"):
        return None  # functions and json_each's value carry no affinity
    return TYPES[ref.field_type].affinity(ref.multiple)


def _json_side(ref: Operand) -> bool:
    """PocketBase compares json values (and geoDistance) without its '' / NULL equivalence (NullFallbackDisabled)."""
    if isinstance(ref, Function):
        return not sql_functions.FUNCTIONS[ref.name].null_fallback
    return isinstance(ref, FieldRef) and (TYPES[ref.field_type].json_paths or bool(ref.json_path))


def literal_value(value: Any) -> SqlValue:
    """A filter's literal as PocketBase binds it: numbers as REAL, true/false as 1/0."""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int):
        return float(value)
    return value


# --- comparing two SQL values ---------------------------------------------------------------------------------------

def compare(term: Compare, a: SqlValue, b: SqlValue) -> Truth:
    """One row's `a op b` for the term's operands (their kinds decide NULL handling and affinity)."""
    row = operators.operator(term.op)
    left, right = term.left, term.right
    a_aff = _affinity(left) if isinstance(left, FieldRef) else None
    b_aff = _affinity(right) if isinstance(right, FieldRef) else None
    if row.symbol == "LIKE":  # LIKE reads both sides as text: a number column's whole values as integers
        a = sqlvalues.stored_number(a) if a_aff == sqlvalues.NUMERIC else a
        b = sqlvalues.stored_number(b) if b_aff == sqlvalues.NUMERIC else b
        if isinstance(right, Literal):
            pattern = sqlvalues.like_pattern(sqlvalues.param_text(b) or "") if b is not None else None
        else:
            text = sqlvalues.as_text(b)
            pattern = None if text is None else f"%{text}%"
        result = sqlvalues.like(a, pattern)
        return _not(result) if row.negated else result
    a, b = sqlvalues.apply_affinity(a, a_aff, b, b_aff)
    if row.symbol == "=":
        return _equal(term, a, b, row.negated)
    return sqlvalues.compare(row.symbol, a, b)


def _empty_literal(operand: Operand, value: SqlValue) -> bool:
    return isinstance(operand, Literal) and (value is None or value == "")


def _equal(term: Compare, a: SqlValue, b: SqlValue, negated: bool) -> Truth:
    """PocketBase's resolveEqualExpr: `=` is `(a = '' OR a IS NULL)` against an empty literal, a plain `=`
    against a known value, COALESCE(a, '') between fields; `!=` is the IS NOT form of each."""
    left, right = term.left, term.right
    if _json_side(left) or _json_side(right):
        result: Truth = sqlvalues.same(a, b)
        return (not result) if negated else result
    left_empty, right_empty = _empty_literal(left, a), _empty_literal(right, b)
    if left_empty and right_empty:
        return not negated
    if (isinstance(left, Literal) and not left_empty) or (isinstance(right, Literal) and not right_empty):
        a, b = ("" if left_empty else a), ("" if right_empty else b)
        return (not sqlvalues.same(a, b)) if negated else sqlvalues.compare("=", a, b)
    if left_empty or right_empty:
        value = b if left_empty else a
        blank = value is None or value == ""
        return (not blank) if negated else blank
    a, b = ("" if a is None else a), ("" if b is None else b)
    same = sqlvalues.same(a, b)
    return (not same) if negated else same


def _not(value: Truth) -> Truth:
    return None if value is None else not value


def _and(values: list[Truth]) -> Truth:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _or(values: list[Truth]) -> Truth:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


# --- joins ------------------------------------------------------------------------------------------------------------

def _aliases(ref: FieldRef) -> list[Alias]:
    """The joins a field needs, outermost first."""
    found: list[Alias] = [tuple(ref.path[:i + 1]) for i in range(len(ref.path))]
    if ref.modifier == "each":
        found.append(tuple(ref.path) + (("each", ref.name),))
    return found


def field_refs(node: Node) -> Iterator[FieldRef]:
    """Every field operand of a tree (function arguments included)."""
    return (o for o in operands(node) if isinstance(o, FieldRef))


def _rows(alias: Alias, parent: Any, joins: Joins, checked: bool) -> list[Any]:
    """The rows one join gives for its parent row: joined records (those a client may list, when `checked`) or a
    multi-valued field's elements; [None] for a LEFT JOIN that finds nothing."""
    last = alias[-1]
    if parent is None:
        return [None]
    if not isinstance(last, Hop):  # ("each", field)
        raw = parent.value(last[1]) if hasattr(parent, "value") else None
        return [sqlvalues.json_scalar(v) for v in _elements(raw)] or [None]
    found = joins.follow(last, parent)
    if checked and last.checked and found:
        found = [r for r in found if joins.allowed(last, r)]
        if not found:
            return []  # joined, but nothing the caller may see: no combination passes (PocketBase's rule join)
    return found or [None]


def _assignments(aliases: list[Alias], record: Record, joins: Joins) -> Iterator[dict[Alias, Any]]:
    """Every combination of joined rows (parents before children), bounded."""
    ordered = sorted(aliases, key=len)
    count = 0

    def extend(i: int, current: dict[Alias, Any]) -> Iterator[dict[Alias, Any]]:
        nonlocal count
        if i == len(ordered):
            count += 1
            if count > MAX_COMBINATIONS:
                raise BadRequest("This filter joins too many related records; narrow it.")
            yield current
            return
        alias = ordered[i]
        parent = current.get(alias[:-1], record) if len(alias) > 1 else record
        for row in _rows(alias, parent, joins, checked=True):
            yield from extend(i + 1, {**current, alias: row})

    yield from extend(0, {})


def _all_rows(ref: FieldRef, record: Record, joins: Joins) -> list[SqlValue]:
    """Every value of a field with several rows, through every join (PocketBase's multi-match subquery: inner
    joins, so a join that finds nothing gives no value; the joined collections' list rules do not apply here)."""
    values: list[SqlValue] = []
    aliases = _aliases(ref)

    def walk(i: int, parent: Any, element: Any) -> None:
        if i == len(aliases):
            values.append(field_value(ref, parent, element))
            return
        alias = aliases[i]
        for row in _rows(alias, parent, joins, checked=False):
            if row is None:
                continue
            if not isinstance(alias[-1], Hop):
                walk(i + 1, parent, row)  # an element of the field's list
            else:
                walk(i + 1, row, element)

    walk(0, record, None)
    return values


def _several(ref: Operand) -> bool:
    return isinstance(ref, FieldRef) and (any(h.multiple for h in ref.path) or
                                          (ref.modifier == "each" and ref.multiple))


# --- evaluation -------------------------------------------------------------------------------------------------------

def _operand_value(operand: Operand, record: Record, rows: dict[Alias, Any]) -> SqlValue:
    if isinstance(operand, Literal):
        return literal_value(operand.value)
    if isinstance(operand, Function):
        values = [_operand_value(a, record, rows) for a in operand.args]
        return sql_functions.FUNCTIONS[operand.name].evaluate(values)
    assert isinstance(operand, FieldRef), "evaluate a bound tree"
    row = rows.get(tuple(operand.path), record) if operand.path else record
    element = rows.get(tuple(operand.path) + (("each", operand.name),)) if operand.modifier == "each" else None
    return field_value(operand, row, element)


def _visible(operand: Operand, record: Record, rows: dict[Alias, Any]) -> bool:
    if not (isinstance(operand, FieldRef) and operand.visible_email):
        return True
    row = rows.get(tuple(operand.path), record) if operand.path else record
    return bool(row is not None and row.value("emailVisibility"))


def _term(term: Compare, record: Record, rows: dict[Alias, Any], joins: Joins) -> Truth:
    a = _operand_value(term.left, record, rows)
    b = _operand_value(term.right, record, rows)
    result = compare(term, a, b)
    if not (_visible(term.left, record, rows) and _visible(term.right, record, rows)):
        return False  # an auth record's email is filterable only where emailVisibility is on
    if term.any_of or result is not True:
        return result
    left_many, right_many = _several(term.left), _several(term.right)
    if left_many and right_many:
        assert isinstance(term.left, FieldRef) and isinstance(term.right, FieldRef)
        rights = _all_rows(term.right, record, joins) or [None]
        if any(compare(term, x, y) is False for x in _all_rows(term.left, record, joins) for y in rights):
            return False
    elif left_many:
        assert isinstance(term.left, FieldRef)
        if any(compare(term, x, b) is False for x in _all_rows(term.left, record, joins)):
            return False
    elif right_many:
        assert isinstance(term.right, FieldRef)
        if any(compare(term, a, y) is False for y in _all_rows(term.right, record, joins)):
            return False
    return result


def _eval(node: Node, record: Record, rows: dict[Alias, Any], joins: Joins) -> Truth:
    if isinstance(node, Const):
        return node.value
    if isinstance(node, And):
        return _and([_eval(c, record, rows, joins) for c in node.children])
    if isinstance(node, Or):
        return _or([_eval(c, record, rows, joins) for c in node.children])
    assert isinstance(node, Compare)
    return _term(node, record, rows, joins)


def evaluate(node: Node, record: Record, joins: Joins = NO_JOINS) -> bool:
    """Does the stored record match the bound tree?"""
    aliases = sorted({alias for ref in field_refs(node) for alias in _aliases(ref)}, key=len)
    if not aliases:
        return _eval(node, record, {}, joins) is True
    return any(_eval(node, record, rows, joins) is True for rows in _assignments(aliases, record, joins))


def decide(term: Compare) -> bool:
    """A comparison of two literals (folded before any record is read)."""
    return compare(term, literal_value(_literal(term.left)), literal_value(_literal(term.right))) is True


def _literal(operand: Operand) -> Any:
    assert isinstance(operand, Literal)
    return operand.value


def sort_value(ref: FieldRef, record: Record, joins: Joins = NO_JOINS) -> SqlValue:
    """The value a sort by `ref` orders a record by (the first joined row's, like SQL without an aggregate)."""
    aliases = _aliases(ref)
    rows = next(iter(_assignments(aliases, record, joins)), {}) if aliases else {}
    return _operand_value(ref, record, rows)

