"""The filter tree: what the parser builds, what binding resolves, and what evaluation and compilation walk.

Parsed trees hold `Ident` operands (a name as written: `title`, `@request.auth.id`, `@now`); bound trees hold only
`FieldRef` (a field of the collection being filtered) and `Literal` operands. Nodes are immutable, so a bound rule
can be shared and compared.
"""
from __future__ import annotations

from enum import Enum
from typing import Any, Iterator, NamedTuple, Union

from chalicelib.core.value_types import distinct


class Op(Enum):
    """Comparison operators; each has one row in operators.py."""

    EQ = "="
    NEQ = "!="
    GT = ">"
    GTE = ">="
    LT = "<"
    LTE = "<="
    LIKE = "~"
    NOT_LIKE = "!~"


@distinct
class Ident(NamedTuple):
    """An identifier as written in a filter, with its `:modifier`."""

    name: str
    modifier: str | None = None


@distinct
class Hop(NamedTuple):
    """One join on the way to a field: `rel` follows a relation field, `back` a relation pointing here from another
    collection (`comments_via_post`), `collection` any record of a collection (`@collection.posts`)."""

    kind: str
    collection: str  # the collection the hop arrives in
    field: str = ""  # the relation field (on the source for `rel`, on the arriving collection for `back`)
    alias: str = ""  # `@collection.posts:alias`
    multiple: bool = False  # may yield several records for one
    checked: bool = False  # a client's filter: only joined records that pass their collection's list rule count


@distinct
class FieldRef(NamedTuple):
    """A field reached from the filtered record: through `path` (joins), into `json_path` (a json field's keys),
    with a `modifier` ("each", "length", "lower"; PocketBase ignores the others on fields). `field_type` and
    `multiple` describe the field at the end, as the evaluator needs them."""

    name: str
    modifier: str | None = None
    path: tuple[Hop, ...] = ()
    json_path: tuple[str, ...] = ()
    field_type: str = "text"
    multiple: bool = False
    visible_email: bool = False  # an auth collection's email: matches only where emailVisibility is on

    @property
    def plain(self) -> bool:
        """A value of the record itself, without joins, json paths or modifiers."""
        return not self.path and not self.json_path and self.modifier is None


@distinct
class Literal(NamedTuple):
    value: Any


@distinct
class Function(NamedTuple):
    """A function call operand: `strftime('%Y', created)`, `geoDistance(lonA, latA, lonB, latB)` (sql_functions.py)."""

    name: str
    args: tuple[Operand, ...]


Operand = Union[Ident, FieldRef, Literal, Function]


@distinct
class Compare(NamedTuple):
    op: Op
    left: Operand
    right: Operand
    any_of: bool = False  # the `?` prefix: some element of a multi-valued left side matches

    @property
    def token(self) -> str:
        return ("?" if self.any_of else "") + self.op.value


@distinct
class And(NamedTuple):
    children: tuple[Node, ...]


@distinct
class Or(NamedTuple):
    children: tuple[Node, ...]


@distinct
class Const(NamedTuple):
    value: bool


Node = Union[And, Or, Compare, Const]
TRUE = Const(True)
FALSE = Const(False)


def conjuncts(node: Node) -> list[Node]:
    """The terms of a top-level AND (one term for anything else; none for TRUE)."""
    if isinstance(node, And):
        return list(node.children)
    if node == TRUE:
        return []
    return [node]


def all_of(terms: list[Node]) -> Node:
    """AND of terms, flattening nested ANDs (no folding)."""
    flat: list[Node] = []
    for term in terms:
        flat.extend(term.children if isinstance(term, And) else [term])
    if not flat:
        return TRUE
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def operands(node: Node) -> Iterator[Operand]:
    """Every operand of a tree, function arguments included."""
    if isinstance(node, (And, Or)):
        for child in node.children:
            yield from operands(child)
    elif isinstance(node, Compare):
        stack: list[Operand] = [node.left, node.right]
        while stack:
            operand = stack.pop()
            yield operand
            if isinstance(operand, Function):
                stack.extend(operand.args)


def identifiers(node: Node) -> Iterator[Ident]:
    """Every identifier operand of a parsed tree."""
    return (o for o in operands(node) if isinstance(o, Ident))
