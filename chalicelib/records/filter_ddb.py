"""A bound filter tree (filter_eval) compiled to a DynamoDB filter/condition expression.

Every field name becomes an `#n<i>` placeholder and every value a `:v<i>` placeholder: no user text is ever
spliced into an expression, and only fields the schema declares reach this point. Semantics match
`filter_eval.compare` (see its docstring); the tests check both against the same records.
"""
from chalicelib.records.filter_eval import TOP_LEVEL
from chalicelib.records.items import LOWERCASED

_OPS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class Builder:
    """Collects placeholders for one request (key condition, filter and condition share them)."""

    def __init__(self):
        self.names = {}
        self.values = {}
        self._name_ids = {}

    def name(self, attribute):
        if attribute not in self._name_ids:
            placeholder = f"#n{len(self._name_ids)}"
            self._name_ids[attribute] = placeholder
            self.names[placeholder] = attribute
        return self._name_ids[attribute]

    def value(self, value):
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def path(self, field_name):
        if field_name in TOP_LEVEL:
            return self.name(field_name)
        return f"{self.name('data')}.{self.name(field_name)}"

    def operand(self, field):
        """A field operand's path: `:length` → size(), `:lower` → its lowercased copy in the `lc` map."""
        _, name, modifier = field
        if modifier == "lower":
            return f"{self.name(LOWERCASED)}.{self.name(name)}"
        path = self.path(name)
        return f"size({path})" if modifier == "length" else path

    def compile(self, node):
        kind = node[0]
        if kind == "const":
            # Only reached inside a larger tree after folding removed constants; kept for completeness.
            return f"attribute_exists({self.name('pk')})" if node[1] else f"attribute_not_exists({self.name('pk')})"
        if kind in ("and", "or"):
            joiner = " AND " if kind == "and" else " OR "
            return "(" + joiner.join(self.compile(child) for child in node[1]) + ")"
        _, op, left, right = node
        path = self.operand(left)
        base = op.lstrip("?")
        if right[0] == "field":
            other = self.operand(right)
            expression = f"{path} {_OPS[base]} {other}"
            return f"(NOT {path} = {other})" if base == "!=" else expression
        value = right[1]
        if op in ("has", "!has"):
            has = f"contains({path}, {self.value(value)})"
            return has if op == "has" else f"(NOT {has})"
        if base in ("=", "!=") and (value is None or value == ""):
            blank = self._blank(path)
            return blank if base == "=" else f"(NOT {blank})"
        if base in ("~", "!~"):
            like = self._like(path, value)
            return like if base == "~" else f"(NOT {like})"
        if base == "!=":
            return f"(NOT {path} = {self.value(value)})"
        return f"{path} {_OPS[base]} {self.value(value)}"

    def _blank(self, path):
        return (f"(attribute_not_exists({path}) OR attribute_type({path}, {self.value('NULL')}) OR "
                f"{path} = {self.value('')} OR (attribute_type({path}, {self.value('L')}) AND "
                f"size({path}) = {self.value(0)}))")

    def _like(self, path, pattern):
        if isinstance(pattern, str) and len(pattern) >= 2 and pattern.startswith("%") and pattern.endswith("%"):
            return f"contains({path}, {self.value(pattern[1:-1])})"
        if isinstance(pattern, str) and pattern.endswith("%"):
            return f"begins_with({path}, {self.value(pattern[:-1])})"
        return f"contains({path}, {self.value(pattern)})"


def compile_condition(node, builder=None):
    """(expression or None, builder); None when the tree is the constant True."""
    builder = builder or Builder()
    if node == ("const", True):
        return None, builder
    return builder.compile(node), builder
