"""A bound filter tree (filter_bind) evaluated in Python against one stored record: view/create rules, expand and
in-memory matching. The same semantics are compiled for DynamoDB by filter_ddb (both come from operators.py)."""
from __future__ import annotations

from typing import Any, Protocol

from chalicelib.records import operators
from chalicelib.records.filter_tree import And, Compare, Const, FieldRef, Literal, Node, Operand, Or


class HasValues(Protocol):
    """A stored record as filters see it (records/store.StoredRecord)."""

    def value(self, name: str) -> Any: ...


def field_value(record: HasValues, name: str, modifier: str | None = None) -> Any:
    value = record.value(name)
    if modifier == "length":
        return len(value) if isinstance(value, (list, str)) else 0
    if modifier == "lower":
        return value.lower() if isinstance(value, str) else value
    return value


def _operand(record: HasValues, operand: Operand) -> Any:
    if isinstance(operand, FieldRef):
        return field_value(record, operand.name, operand.modifier)
    assert isinstance(operand, Literal), "evaluate a bound tree"
    return operand.value


def evaluate(node: Node, record: HasValues) -> bool:
    """Does the stored record match the bound tree?"""
    if isinstance(node, Const):
        return node.value
    if isinstance(node, And):
        return all(evaluate(c, record) for c in node.children)
    if isinstance(node, Or):
        return any(evaluate(c, record) for c in node.children)
    assert isinstance(node, Compare)
    a, b = _operand(record, node.left), _operand(record, node.right)
    if isinstance(node.right, FieldRef) and (a is None or b is None):
        return node.op == operators.Op.NEQ
    return operators.compare(node.op, a, b)
