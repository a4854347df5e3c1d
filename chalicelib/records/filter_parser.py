"""PocketBase's filter language (fexpr grammar) parsed into a small AST.

    expr    := and ( "||" and )*
    and     := term ( "&&" term )*
    term    := "(" expr ")" | operand OP operand
    operand := identifier | 'text' | "text" | number | true | false | null
    OP      := = != > >= < <= ~ !~  and their any-of forms ?= ?!= ?> ?>= ?< ?<= ?~ ?!~

Identifiers are field names (`title`, `post.title`), `@request.*` paths and `@` macros, optionally with a
`:modifier` (`:isset`, `:length`, `:changed`, ...). `// comments` run to the end of the line. PocketBase's limits
apply: at most MAX_LENGTH characters and MAX_EXPRESSIONS comparisons. The parser only builds the tree; what an
identifier means (a schema field, a request value) is decided by `filter_eval`, which rejects what it doesn't know.

AST: ("and", [nodes]) | ("or", [nodes]) | ("cmp", op, left, right) | ("const", bool)
     operands: ("ident", name, modifier) | ("lit", value)
"""
import re

from chalicelib.core.errors import BadRequest

MAX_LENGTH = 3500  # PocketBase's maxFilterLength
MAX_EXPRESSIONS = 200  # PocketBase's maxFilterExprLimit
MAX_DEPTH = 32

OPERATORS = ("?!=", "?>=", "?<=", "?!~", "!=", ">=", "<=", "!~", "?=", "?>", "?<", "?~", "=", ">", "<", "~")
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|//[^\n]*)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<join>&&|\|\|)
  | (?P<op>\?!=|\?>=|\?<=|\?!~|!=|>=|<=|!~|\?=|\?>|\?<|\?~|=|>|<|~)
  | (?P<number>-?\d+(?:\.\d+)?(?![\w@]))
  | (?P<text>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<ident>[@A-Za-z_][\w.@:]*)
    """,
    re.VERBOSE | re.DOTALL,
)
_IDENT = re.compile(r"^@?[A-Za-z_]\w*(?:\.@?[A-Za-z_]\w*)*(?::[A-Za-z_]\w*)?$")


class FilterError(BadRequest):
    """A filter or rule that can't be parsed or refers to something unknown: always a 400."""

    def __init__(self, message, param="filter"):
        super().__init__(f"Invalid {param}: {message}", {param: {"code": "validation_invalid_filter",
                                                                  "message": message}})
        self.detail = message


def tokenize(text):
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise FilterError(f"unexpected character {text[pos]!r} at position {pos}.")
        kind = match.lastgroup
        value = match.group(kind)
        pos = match.end()
        if kind == "ws":
            continue
        if kind == "text":
            value = re.sub(r"\\(.)", r"\1", value[1:-1], flags=re.DOTALL)
        elif kind == "ident" and not _IDENT.match(value):
            raise FilterError(f"invalid identifier {value[:40]!r}.")
        tokens.append((kind, value))
    return tokens


def parse(text, param="filter"):
    """The AST of a filter; ("const", True) for an empty one. FilterError (400) for anything malformed."""
    if not isinstance(text, str):
        raise FilterError("must be a string.", param)
    if len(text) > MAX_LENGTH:
        raise FilterError(f"longer than {MAX_LENGTH} characters.", param)
    try:
        tokens = tokenize(text)
        if not tokens:
            return ("const", True)
        parser = _Parser(tokens)
        node = parser.expr(0)
        if parser.pos != len(tokens):
            raise FilterError(f"unexpected {tokens[parser.pos][1]!r} after a complete expression.")
        if parser.count > MAX_EXPRESSIONS:
            raise FilterError(f"more than {MAX_EXPRESSIONS} expressions.")
        return node
    except FilterError as exc:
        if param != "filter":
            raise FilterError(exc.detail, param) from None
        raise


class _Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.pos = 0
        self.count = 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None)

    def take(self):
        token = self.peek()
        if token[0] is None:
            raise FilterError("the expression ends too early.")
        self.pos += 1
        return token

    def expr(self, depth):
        if depth > MAX_DEPTH:
            raise FilterError("parentheses nested too deeply.")
        parts = [self.conjunction(depth)]
        while self.peek() == ("join", "||"):
            self.take()
            parts.append(self.conjunction(depth))
        return parts[0] if len(parts) == 1 else ("or", parts)

    def conjunction(self, depth):
        parts = [self.term(depth)]
        while self.peek() == ("join", "&&"):
            self.take()
            parts.append(self.term(depth))
        return parts[0] if len(parts) == 1 else ("and", parts)

    def term(self, depth):
        kind, _ = self.peek()
        if kind == "lparen":
            self.take()
            node = self.expr(depth + 1)
            if self.take()[0] != "rparen":
                raise FilterError("missing closing parenthesis.")
            return node
        left = self.operand()
        kind, op = self.take()
        if kind != "op":
            raise FilterError(f"expected an operator after {_show(left)}, got {op!r}.")
        right = self.operand()
        self.count += 1
        if self.count > MAX_EXPRESSIONS:
            raise FilterError(f"more than {MAX_EXPRESSIONS} expressions.")
        return ("cmp", op, left, right)

    def operand(self):
        kind, value = self.take()
        if kind == "text":
            return ("lit", value)
        if kind == "number":
            number = float(value)
            return ("lit", int(number) if number.is_integer() and "." not in value else number)
        if kind == "ident":
            if value in ("true", "false"):
                return ("lit", value == "true")
            if value == "null":
                return ("lit", None)
            name, _, modifier = value.partition(":")
            return ("ident", name, modifier or None)
        raise FilterError(f"expected a field, a value or '(' but got {value!r}.")


def _show(operand):
    return operand[1] if operand[0] == "ident" else repr(operand[1])


def identifiers(node):
    """Every identifier operand of a tree (for load-time validation)."""
    kind = node[0]
    if kind in ("and", "or"):
        for child in node[1]:
            yield from identifiers(child)
    elif kind == "cmp":
        for operand in node[2:]:
            if operand[0] == "ident":
                yield operand
