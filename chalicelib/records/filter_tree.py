"""The filter tree: what the parser builds, what binding resolves, and what evaluation and compilation walk.

Parsed trees hold `Ident` operands (a name as written: `title`, `@request.auth.id`, `@now`); bound trees hold only
`FieldRef` (a field of the collection being filtered) and `Literal` operands. Nodes are immutable, so a bound rule
can be shared and compared.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterator, Union


class Op(Enum):
    """Comparison operators. HAS/NOT_HAS never appear in a filter: binding turns `?=`/`~`/`!~` on a multi-valued
    field into membership tests. Their rows, like every other operator's, are in operators.py."""

    EQ = "="
    NEQ = "!="
    GT = ">"
    GTE = ">="
    LT = "<"
    LTE = "<="
    LIKE = "~"
    NOT_LIKE = "!~"
    HAS = "has"
    NOT_HAS = "!has"


@dataclass(frozen=True)
class Ident:
    """An identifier as written in a filter, with its `:modifier`."""

    name: str
    modifier: str | None = None


@dataclass(frozen=True)
class FieldRef:
    """A field of the filtered collection (`modifier`: None, "length" or "lower")."""

    name: str
    modifier: str | None = None


@dataclass(frozen=True)
class Literal:
    value: Any


Operand = Union[Ident, FieldRef, Literal]


@dataclass(frozen=True)
class Compare:
    op: Op
    left: Operand
    right: Operand
    any_of: bool = False  # the `?` prefix: some element of a multi-valued left side matches

    @property
    def token(self) -> str:
        return ("?" if self.any_of else "") + self.op.value


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Const:
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


def identifiers(node: Node) -> Iterator[Ident]:
    """Every identifier operand of a parsed tree."""
    if isinstance(node, (And, Or)):
        for child in node.children:
            yield from identifiers(child)
    elif isinstance(node, Compare):
        for operand in (node.left, node.right):
            if isinstance(operand, Ident):
                yield operand
