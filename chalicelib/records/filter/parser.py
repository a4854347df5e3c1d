"""PocketBase's filter language (fexpr grammar) parsed into the filter tree (tree.py).

    expr    := and ( "||" and )*
    and     := term ( "&&" term )*
    term    := "(" expr ")" | operand OP operand
    operand := identifier | 'text' | "text" | number | true | false | null
    OP      := = != > >= < <= ~ !~  and their any-of forms ?= ?!= ?> ?>= ?< ?<= ?~ ?!~   (operators.py)

Identifiers are field names (`title`, `post.title`), `@request.*` paths and `@` macros, optionally with a
`:modifier` (`:isset`, `:length`, `:changed`, ...). `// comments` run to the end of the line. As in PocketBase,
tokens are separated by spaces, tabs and newlines only (any other character there is a 400), and `true`, `false`
and `null` are read in any letter case. PocketBase's limits
apply: at most MAX_LENGTH characters and MAX_EXPRESSIONS comparisons. The parser only builds the tree; what an
identifier means (a schema field, a request value) is decided by filter/bind.py, which rejects what it doesn't know.
"""
from __future__ import annotations

import re

from chalicelib.core.errors import BadRequest, field_error
from chalicelib.records.filter import operators
from chalicelib.records.filter.tree import TRUE, And, Compare, Function, Ident, Literal, Node, Operand, Or
from chalicelib.core.patterns import lazy

MAX_LENGTH = 3500  # PocketBase's maxFilterLength
MAX_EXPRESSIONS = 200  # PocketBase's maxFilterExprLimit
MAX_DEPTH = 32

_TOKEN = lazy(
    r"""
    (?P<ws>[ \t\n]+|//[^\n]*)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<join>&&|\|\|)
  | (?P<comma>,)
  | (?P<op>""" + "|".join(re.escape(t) for t in operators.tokens()) + r""")
  | (?P<number>-?\d+(?:\.\d+)?(?![\w@]))
  | (?P<text>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<ident>[@A-Za-z_][\w.@:]*)
    """,
    re.VERBOSE | re.DOTALL,
)
# segments joined by dots, an optional `:modifier` at the end (and `@collection.name:alias.` in the middle)
_IDENT = lazy(r"^@?[A-Za-z_]\w*(?::\w+)?(?:\.@?\w+(?::\w+)?)*$")


class FilterError(BadRequest):
    """A filter or rule that can't be parsed or refers to something unknown: always a 400."""

    def __init__(self, message: str, param: str = "filter") -> None:
        super().__init__(f"Invalid {param}: {message}", {param: field_error("validation_invalid_filter", message)})
        self.detail = message


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise FilterError(f"unexpected character {text[pos]!r} at position {pos}.")
        kind = match.lastgroup or ""
        value = match.group(kind)
        pos = match.end()
        if kind == "ws":
            continue
        if kind == "text":  # like PocketBase's scanner, only an escaped quote of the same kind loses its backslash
            value = value[1:-1].replace("\\" + value[0], value[0])
        elif kind == "ident" and not _IDENT.match(value):
            raise FilterError(f"invalid identifier {value[:40]!r}.")
        tokens.append((kind, value))
    return tokens


def parse(text: str, param: str = "filter") -> Node:
    """The tree of a filter; TRUE for an empty one. FilterError (400) for anything malformed."""
    if not isinstance(text, str):
        raise FilterError("must be a string.", param)
    if len(text) > MAX_LENGTH:
        raise FilterError(f"longer than {MAX_LENGTH} characters.", param)
    try:
        tokens = tokenize(text)
        if not tokens:
            return TRUE
        parser = _Parser(tokens)
        node = parser.expr(0)
        if parser.pos != len(tokens):
            raise FilterError(f"unexpected {tokens[parser.pos][1]!r} after a complete expression.")
        return node
    except FilterError as exc:
        if param != "filter":
            raise FilterError(exc.detail, param) from None
        raise


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.count = 0

    def peek(self) -> tuple[str | None, str | None]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def take(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise FilterError("the expression ends too early.")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def expr(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise FilterError("parentheses nested too deeply.")
        parts = [self.conjunction(depth)]
        while self.peek() == ("join", "||"):
            self.take()
            parts.append(self.conjunction(depth))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self, depth: int) -> Node:
        parts = [self.term(depth)]
        while self.peek() == ("join", "&&"):
            self.take()
            parts.append(self.term(depth))
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def term(self, depth: int) -> Node:
        kind, _ = self.peek()
        if kind == "lparen":
            self.take()
            node = self.expr(depth + 1)
            if self.take()[0] != "rparen":
                raise FilterError("missing closing parenthesis.")
            return node
        left = self.operand()
        kind, token = self.take()
        if kind != "op":
            raise FilterError(f"expected an operator after {_show(left)}, got {token!r}.")
        right = self.operand()
        self.count += 1
        if self.count > MAX_EXPRESSIONS:
            raise FilterError(f"more than {MAX_EXPRESSIONS} expressions.")
        op, any_of = operators.by_token(token)
        return Compare(op, left, right, any_of)

    def operand(self) -> Operand:
        kind, value = self.take()
        if kind == "ident" and self.peek()[0] == "lparen" and "." not in value and ":" not in value:
            return self.function(value)
        if kind == "text":
            return Literal(value)
        if kind == "number":  # SQLite's literals: an integer while it fits 64 bits, else a double
            if value.startswith("-") and float(value) == 0:
                return Literal(-0.0)  # PocketBase binds -0 as a double whose text keeps the sign ('%-0%' in LIKE)
            if "." not in value and len(value) <= 20 and -2 ** 63 <= int(value) < 2 ** 63:
                return Literal(int(value))
            number = float(value)
            return Literal(int(number) if number.is_integer() and abs(number) < 2 ** 53 else number)
        if kind == "ident":
            if value.lower() in ("true", "false"):  # PocketBase reads the literals in any letter case
                return Literal(value.lower() == "true")
            if value.lower() == "null":
                return Literal(None)
            head, _, last = value.rpartition(".")
            last, _, modifier = last.partition(":")
            return Ident(f"{head}.{last}" if head else last, modifier or None)
        raise FilterError(f"expected a field, a value or '(' but got {value!r}.")


    def function(self, name: str) -> Function:
        """`name(arg, …)`: arguments are fields, values or macros (PocketBase's function tokens)."""
        self.take()  # (
        args: list[Operand] = []
        if self.peek()[0] == "rparen":
            self.take()
            return Function(name, ())
        while True:
            arg = self.operand()
            if isinstance(arg, Function):
                raise FilterError(f"{name}(): functions can't be nested.")
            args.append(arg)
            kind, token = self.take()
            if kind == "rparen":
                return Function(name, tuple(args))
            if kind != "comma":
                raise FilterError(f"{name}(): expected ',' or ')' but got {token!r}.")


def _show(operand: Operand) -> str:
    return operand.name if isinstance(operand, Ident) else repr(getattr(operand, "value", operand))
