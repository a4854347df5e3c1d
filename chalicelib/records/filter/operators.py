"""The one operator table: per operator, its token, how SQLite (PocketBase's engine) evaluates it, its DynamoDB form,
its mirror and what comparing a field with itself gives. Adding an operator is one row here (plus test cases).

Evaluation follows PocketBase's SQL (tools/search/filter.go): `=`/`!=` treat '' and NULL alike unless a side is a json
value, and `!=` is `IS NOT` (true against NULL); `<`/`<=`/`>`/`>=` compare after SQLite's affinity rules; `~`/`!~`
are `LIKE`/`NOT LIKE` with PocketBase's wrapping of the value (sqlvalues.py). The `?` prefix (any of) only changes
comparisons of several values at once (evaluate.py). The DynamoDB forms are used only where dynamodb.py has
decided they give exactly the same answer; everything else is evaluated in Python after the read.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Protocol

from chalicelib.core.value_types import distinct
from chalicelib.records.filter.tree import Op


class ValueSink(Protocol):
    """What a DynamoDB form needs from the expression builder: a placeholder for a value."""

    def value(self, value: Any) -> str: ...


def is_blank(value: Any) -> bool:
    """An empty literal in PocketBase's equality: '' or null."""
    return value is None or value == ""


def _ddb_blank(b: ValueSink, path: str) -> str:
    return f"(attribute_not_exists({path}) OR attribute_type({path}, {b.value('NULL')}) OR {path} = {b.value('')})"


def _ddb_eq(b: ValueSink, path: str, value: Any) -> str:
    return _ddb_blank(b, path) if is_blank(value) else f"{path} = {b.value(value)}"


def _ddb_compare(symbol: str) -> Callable[[ValueSink, str, Any], str]:
    return lambda b, path, value: f"{path} {symbol} {b.value(value)}"


def _ddb_like(b: ValueSink, path: str, value: Any) -> str:
    """`value` is a (kind, text) pair decided by filter/dynamodb.py: a contains or a prefix match on the lowercased
    copy."""
    kind, text = value
    return f"begins_with({path}, {b.value(text)})" if kind == "prefix" else f"contains({path}, {b.value(text)})"


def _negated(form: Callable[[ValueSink, str, Any], str]) -> Callable[[ValueSink, str, Any], str]:
    return lambda b, path, value: f"(NOT {form(b, path, value)})"


@distinct
class Operator(NamedTuple):
    op: Op
    symbol: str  # the SQL comparison: "=", "<", "<=", ">", ">=", "LIKE"
    negated: bool  # `!=` is `IS NOT`, `!~` is `NOT LIKE`
    ddb: Callable[[ValueSink, str, Any], str]  # against a literal, where filter/dynamodb.py finds it exact
    mirror: Op | None  # the operator with its sides swapped; None: not symmetric (LIKE)
    self_result: bool | None  # `x op x` for a value that is never null; None when not foldable

    @property
    def token(self) -> str:
        return self.op.value


OPERATORS: dict[Op, Operator] = {row.op: row for row in (
    Operator(Op.EQ, "=", False, _ddb_eq, Op.EQ, True),
    Operator(Op.NEQ, "=", True, _negated(_ddb_eq), Op.NEQ, False),
    Operator(Op.GT, ">", False, _ddb_compare(">"), Op.LT, False),
    Operator(Op.GTE, ">=", False, _ddb_compare(">="), Op.LTE, True),
    Operator(Op.LT, "<", False, _ddb_compare("<"), Op.GT, False),
    Operator(Op.LTE, "<=", False, _ddb_compare("<="), Op.GTE, True),
    Operator(Op.LIKE, "LIKE", False, _ddb_like, None, None),
    Operator(Op.NOT_LIKE, "LIKE", True, _negated(_ddb_like), None, None),
)}


def operator(op: Op) -> Operator:
    return OPERATORS[op]


def by_token(token: str) -> tuple[Op, bool]:
    """(operator, any_of) for a token as written (`?>=` → (GTE, True)); KeyError when unknown."""
    any_of = token.startswith("?")
    base = token[1:] if any_of else token
    for op in OPERATORS:
        if op.value == base:
            return op, any_of
    raise KeyError(token)


def tokens() -> list[str]:
    """Every operator token, longest first (for the tokenizer)."""
    spelled = [op.value for op in OPERATORS]
    return sorted(spelled + ["?" + t for t in spelled], key=len, reverse=True)
