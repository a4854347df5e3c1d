"""A bound filter tree (filter_bind) compiled to a DynamoDB filter or condition expression.

Every attribute name becomes an `#n<i>` placeholder and every value a `:v<i>` placeholder: no user text is ever
spliced into an expression, and only fields the schema declares reach this point. Each operator's form comes from
the operator table (operators.py), which also gives its Python evaluation; the tests check both on the same records.
"""
from __future__ import annotations

from typing import Any

from chalicelib.records import layout, operators
from chalicelib.records.filter_tree import TRUE, And, Compare, Const, FieldRef, Literal, Node, Or


class Builder:
    """Collects placeholders for one request (key condition, filter and condition share them)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self._name_ids: dict[str, str] = {}

    def name(self, attribute: str) -> str:
        if attribute not in self._name_ids:
            placeholder = f"#n{len(self._name_ids)}"
            self._name_ids[attribute] = placeholder
            self.names[placeholder] = attribute
        return self._name_ids[attribute]

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def operand(self, field: FieldRef) -> str:
        """A field's attribute path; `:length` → size()."""
        path = ".".join(self.name(a) for a in layout.attribute_path(field.name, field.modifier))
        return f"size({path})" if field.modifier == "length" else path

    def compile(self, node: Node) -> str:
        if isinstance(node, Const):
            # Only reached inside a larger tree after folding removed constants; kept for completeness.
            exists = f"attribute_exists({self.name('pk')})"
            return exists if node.value else f"(NOT {exists})"
        if isinstance(node, (And, Or)):
            joiner = " AND " if isinstance(node, And) else " OR "
            return "(" + joiner.join(self.compile(child) for child in node.children) + ")"
        assert isinstance(node, Compare) and isinstance(node.left, FieldRef), "compile a bound tree"
        row = operators.operator(node.op)
        path = self.operand(node.left)
        if isinstance(node.right, FieldRef):
            assert row.ddb_fields is not None
            return row.ddb_fields.format(a=path, b=self.operand(node.right))
        assert isinstance(node.right, Literal)
        return row.ddb(self, path, node.right.value)

    def condition(self, node: Node) -> str | None:
        """The expression of a condition, None when it is always true."""
        return None if node == TRUE else self.compile(node)
