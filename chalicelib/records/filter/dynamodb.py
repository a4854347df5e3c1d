"""The parts of a bound filter DynamoDB answers exactly as PocketBase's SQL would, compiled to an expression.

Reads always evaluate the whole filter in Python afterwards (evaluate.py); what is pushed into the Query's
FilterExpression only saves transfer, so a term is pushed only when DynamoDB gives exactly the same answer:
- a text-like field against a text literal: `=`, `!=` (also against ''/null), `<`, `<=`, `>`, `>=` (byte order);
- a number field against a number, a bool field against true/false: `=`, `!=`, `<`, `<=`, `>`, `>=`;
- `~`/`!~` on text, email, url and single select fields with a contains or prefix pattern, on the lowercased copy
  records/store.py keeps (SQLite folds ASCII letters only, and so does the copy);
- `field:each ?= "x"` on a multi-valued field (the list contains the value).
A rule whose every term can be pushed also becomes the ConditionExpression of the write (store.py), on top of the
version condition that already makes the write exact.

Every attribute name becomes an `#n<i>` placeholder and every value a `:v<i>` placeholder: no user text is ever
spliced into an expression.

DynamoDB refuses an expression of more than 300 operators or 4 KB, which a filter within PocketBase's own limits
(200 comparisons, 3,500 characters) can reach: only the top-level terms that fit PUSH_BUDGET are pushed, the rest is
answered by the evaluation in Python that follows every read, so the answer stays PocketBase's.
"""
from __future__ import annotations

from typing import Any

from chalicelib.records import layout
from chalicelib.records.filter import operators, sqlvalues
from chalicelib.records.filter.tree import TRUE, And, Compare, Const, FieldRef, Literal, Node, Op, Or, all_of, conjuncts
from chalicelib.records.schema.fields import TYPES

# What a pushed filter or condition may use of DynamoDB's per-expression limits (300 operators, 4,096 bytes), leaving
# room for what joins it: the key condition's placeholders, a version check, a rule.
PUSH_OPERATORS = 200
PUSH_BYTES = 2048
ORDERED = (Op.EQ, Op.NEQ, Op.GT, Op.GTE, Op.LT, Op.LTE)


def _like_form(pattern: str) -> tuple[str, str] | None:
    """("contains" | "prefix", text) for a LIKE pattern DynamoDB can answer, else None."""
    wrapped = sqlvalues.like_pattern(pattern)
    core, prefix = (wrapped[1:-1], False) if wrapped.startswith("%") and wrapped.endswith("%") and len(wrapped) > 1 \
        else (wrapped[:-1], True) if wrapped.endswith("%") else (None, False)
    if not core:
        return None
    text, i = [], 0
    while i < len(core):
        c = core[i]
        if c == "\\" and i + 1 < len(core):
            text.append(core[i + 1])
            i += 2
            continue
        if c in "%_":
            return None  # a wildcard inside: Python decides
        text.append(c)
        i += 1
    return ("prefix" if prefix else "contains", sqlvalues.ascii_lower("".join(text)))


def _pushable(term: Compare) -> Any:
    """The value to compile a term with when DynamoDB answers it exactly, else a sentinel `None`-like _NO."""
    left, right = term.left, term.right
    if not (isinstance(left, FieldRef) and isinstance(right, Literal)) or left.path or left.json_path \
            or left.visible_email:
        return _NO
    value, kind = right.value, TYPES[left.field_type]
    if left.modifier == "each":
        if term.op == Op.EQ and term.any_of and left.multiple and isinstance(value, str) and value:
            return value
        return _NO
    if left.modifier is not None or left.multiple:
        return _NO
    if term.op in (Op.LIKE, Op.NOT_LIKE):  # lowercased copies are kept of data fields, not of ids and dates
        if kind.folded and left.name not in layout.TOP_LEVEL and isinstance(value, str):
            form = _like_form(value)
            return _NO if form is None else form
        return _NO
    if term.op not in ORDERED:
        return _NO
    return value if kind.exact_in_dynamodb(value, term.op in (Op.EQ, Op.NEQ)) else _NO


_NO = object()


def pushable(node: Node) -> bool:
    """Does DynamoDB answer the whole tree exactly?"""
    if isinstance(node, Const):
        return True
    if isinstance(node, (And, Or)):
        return all(pushable(child) for child in node.children)
    assert isinstance(node, Compare)
    return _pushable(node) is not _NO


def _operators(node: Node) -> int:
    """DynamoDB's count of a compiled tree: each comparison or function, each AND/OR between terms, each NOT."""
    if isinstance(node, (And, Or)):
        return sum(_operators(child) for child in node.children) + len(node.children) - 1
    if isinstance(node, Const):
        return 1 if node.value else 2
    return 1


def fits(node: Node) -> bool:
    """Would `node`'s expression stay within the push budget? (Measured by compiling it with placeholders at
    least as long as the request's own.)"""
    if _operators(node) > PUSH_OPERATORS:
        return False
    scratch = Builder(offset=100)
    return len(scratch.compile(node)) <= PUSH_BYTES


def pushdown(node: Node) -> Node:
    """The top-level AND terms DynamoDB answers exactly, as many as fit the budget together (TRUE when none)."""
    pushed: list[Node] = []
    for term in conjuncts(node):
        if pushable(term) and fits(all_of([*pushed, term])):
            pushed.append(term)
    return all_of(pushed)


class Builder:
    """Collects placeholders for one request (key condition, filter and condition share them)."""

    def __init__(self, offset: int = 0) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self._name_ids: dict[str, str] = {}
        self._offset = offset  # placeholders numbered from here (fits() measures with long ones)

    def name(self, attribute: str) -> str:
        if attribute not in self._name_ids:
            placeholder = f"#n{len(self._name_ids) + self._offset}"
            self._name_ids[attribute] = placeholder
            self.names[placeholder] = attribute
        return self._name_ids[attribute]

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values) + self._offset}"
        self.values[placeholder] = value
        return placeholder

    def path(self, ref: FieldRef, folded: bool = False) -> str:
        if ref.modifier == "each":
            attributes = layout.attribute_path(ref.name)
        else:
            attributes = layout.attribute_path(ref.name, "lower" if folded else None)
        return ".".join(self.name(a) for a in attributes)

    def compile(self, node: Node) -> str:
        """The expression of a tree `pushable` accepted."""
        if isinstance(node, Const):
            exists = f"attribute_exists({self.name('pk')})"
            return exists if node.value else f"(NOT {exists})"
        if isinstance(node, (And, Or)):
            joiner = " AND " if isinstance(node, And) else " OR "
            return "(" + joiner.join(self.compile(child) for child in node.children) + ")"
        assert isinstance(node, Compare) and isinstance(node.left, FieldRef)
        value = _pushable(node)
        assert value is not _NO, "compile only what pushable accepts"
        if node.left.modifier == "each":
            return f"contains({self.path(node.left)}, {self.value(value)})"
        like = node.op in (Op.LIKE, Op.NOT_LIKE)
        return operators.operator(node.op).ddb(self, self.path(node.left, folded=like), value)

    def condition(self, node: Node) -> str | None:
        """The expression of a condition, None when it is always true."""
        return None if node == TRUE else self.compile(node)
