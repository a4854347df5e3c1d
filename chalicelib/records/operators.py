"""The one operator table: per operator, its token, its Python evaluation, its DynamoDB form, its mirror and what
comparing a field with itself gives. Adding an operator is one row here (plus test cases).

Semantics (Python evaluation and DynamoDB form agree; the unit tests check both on the same records):
- `null` and `""` both mean "blank": missing, null, "" or [].
- `=`/`!=` compare values of one type; `<`/`<=`/`>`/`>=` compare two numbers or two strings (dates are strings in
  PocketBase's sortable format) and are false across types.
- `~`/`!~`: substring, `abc%` a prefix, `%abc%` a substring (case folding is arranged by binding, which compares
  lowercased copies).
- `has`/`!has`: membership in a multi-valued field (what `?=`, `~` and `!~` bind to on such a field).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol

from chalicelib.records.filter_tree import Op


class ValueSink(Protocol):
    """What a DynamoDB form needs from the expression builder: a placeholder for a value."""

    def value(self, value: Any) -> str: ...


def is_blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list) and value == [])


def same_kind(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return True
    return isinstance(a, str) and isinstance(b, str)


def like_pattern(pattern: str) -> tuple[str, str]:
    """("contains" | "prefix", text) for the supported LIKE patterns: 'text', 'prefix%' and '%text%'."""
    if len(pattern) >= 2 and pattern.startswith("%") and pattern.endswith("%"):
        return "contains", pattern[1:-1]
    if pattern.endswith("%"):
        return "prefix", pattern[:-1]
    return "contains", pattern


def _equal(a: Any, b: Any) -> bool:
    if is_blank(a) or is_blank(b):
        return is_blank(a) and is_blank(b)
    return same_kind(a, b) and a == b


def _like(a: Any, pattern: Any) -> bool:
    if not isinstance(a, str) or not isinstance(pattern, str):
        return False
    kind, text = like_pattern(pattern)
    return a.startswith(text) if kind == "prefix" else text in a


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda a, b: same_kind(a, b) and not isinstance(a, bool) and test(a, b)


def _member(a: Any, b: Any) -> bool:
    return isinstance(a, list) and b in a


# --- DynamoDB forms: (builder, attribute path, literal value) -> expression ---------------------------------------

def _ddb_blank(b: ValueSink, path: str) -> str:
    return (f"(attribute_not_exists({path}) OR attribute_type({path}, {b.value('NULL')}) OR "
            f"{path} = {b.value('')} OR (attribute_type({path}, {b.value('L')}) AND size({path}) = {b.value(0)}))")


def _ddb_eq(b: ValueSink, path: str, value: Any) -> str:
    return _ddb_blank(b, path) if is_blank(value) else f"{path} = {b.value(value)}"


def _ddb_like(b: ValueSink, path: str, value: Any) -> str:
    kind, text = like_pattern(value)
    return f"begins_with({path}, {b.value(text)})" if kind == "prefix" else f"contains({path}, {b.value(text)})"


def _ddb_compare(symbol: str) -> Callable[[ValueSink, str, Any], str]:
    return lambda b, path, value: f"{path} {symbol} {b.value(value)}"


def _negated(form: Callable[[ValueSink, str, Any], str]) -> Callable[[ValueSink, str, Any], str]:
    return lambda b, path, value: f"(NOT {form(b, path, value)})"


def _ddb_has(b: ValueSink, path: str, value: Any) -> str:
    return f"contains({path}, {b.value(value)})"


@dataclass(frozen=True)
class Operator:
    op: Op
    evaluate: Callable[[Any, Any], bool]  # one stored value against one literal (lists are handled by the caller)
    ddb: Callable[[ValueSink, str, Any], str]  # against a literal
    ddb_fields: str | None  # field against field ("{a} = {b}"), None when not allowed
    mirror: Op | None  # the operator with its sides swapped; None: the field must be on the left
    self_result: bool | None  # `x op x` for a value that is never null; None when not foldable
    whole_list: bool = False  # takes a multi-valued field's list as a whole (membership)
    needs_text: bool = False  # the literal must be a string (LIKE patterns)

    @property
    def token(self) -> str:
        return self.op.value


OPERATORS: dict[Op, Operator] = {row.op: row for row in (
    Operator(Op.EQ, _equal, _ddb_eq, "{a} = {b}", Op.EQ, True),
    Operator(Op.NEQ, lambda a, b: not _equal(a, b), _negated(_ddb_eq), "(NOT {a} = {b})", Op.NEQ, False),
    Operator(Op.GT, _ordered(lambda a, b: a > b), _ddb_compare(">"), "{a} > {b}", Op.LT, False),
    Operator(Op.GTE, _ordered(lambda a, b: a >= b), _ddb_compare(">="), "{a} >= {b}", Op.LTE, True),
    Operator(Op.LT, _ordered(lambda a, b: a < b), _ddb_compare("<"), "{a} < {b}", Op.GT, False),
    Operator(Op.LTE, _ordered(lambda a, b: a <= b), _ddb_compare("<="), "{a} <= {b}", Op.GTE, True),
    Operator(Op.LIKE, _like, _ddb_like, None, None, None, needs_text=True),
    Operator(Op.NOT_LIKE, lambda a, b: not _like(a, b), _negated(_ddb_like), None, None, None, needs_text=True),
    Operator(Op.HAS, _member, _ddb_has, None, None, None, whole_list=True),
    Operator(Op.NOT_HAS, lambda a, b: not _member(a, b), _negated(_ddb_has), None, None, None, whole_list=True),
)}

# What the parser recognises: every operator a filter may spell, with and without the any-of prefix `?`.
FILTER_OPS: tuple[Op, ...] = (Op.EQ, Op.NEQ, Op.GT, Op.GTE, Op.LT, Op.LTE, Op.LIKE, Op.NOT_LIKE)
MEMBERSHIP: dict[Op, Op] = {Op.EQ: Op.HAS, Op.LIKE: Op.HAS, Op.NOT_LIKE: Op.NOT_HAS}  # on multi-valued fields


def operator(op: Op) -> Operator:
    return OPERATORS[op]


def by_token(token: str) -> tuple[Op, bool]:
    """(operator, any_of) for a token as written (`?>=` → (GTE, True)); KeyError when unknown."""
    any_of = token.startswith("?")
    base = token[1:] if any_of else token
    for op in FILTER_OPS:
        if op.value == base:
            return op, any_of
    raise KeyError(token)


def tokens() -> list[str]:
    """Every operator token, longest first (for the tokenizer)."""
    spelled = [op.value for op in FILTER_OPS]
    return sorted(spelled + ["?" + t for t in spelled], key=len, reverse=True)


def compare(op: Op, a: Any, b: Any) -> bool:
    """Evaluate `a op b` for a stored value `a` (a scalar or a multi-valued field's list) and a value `b`: a list
    matches when blank-compared as a whole (`tags = ""`) or when some element matches."""
    row = OPERATORS[op]
    if row.whole_list:
        return row.evaluate(a, b)
    if isinstance(a, list):
        if op in (Op.EQ, Op.NEQ) and is_blank(b):
            return (len(a) == 0) == (op == Op.EQ)
        return any(row.evaluate(x, b) for x in a)
    return row.evaluate(a, b)
