"""Meaning of a parsed filter: identifiers checked against the schema, `@request.*` and macros bound to values,
constants folded, and the same semantics evaluated in Python (view/create rules, expand) as `filter_ddb` compiles
for DynamoDB (list filters, conditional writes).

Semantics (shared with filter_ddb, keep them in step):
- `null` and `""` both mean "blank": missing, null, "" or [].
- `=`/`!=` compare values of one type; `<`/`<=`/`>`/`>=` compare two numbers or two strings (dates are strings in
  PocketBase's sortable format) and are false across types.
- `~`/`!~`: substring (case-sensitive), `abc%` a prefix; on a multi-valued field, membership.
- `?op` (any-of) on a multi-valued field: some element matches; on a single value it is `op`.
- Multi-valued fields take `?=`, `?!=`, `~`, `!~`, `?~`, blank checks and `:length`; PocketBase's match-all forms
  (`tags = "x"`) would need every element read, so they are a 400 naming the any-of form.
"""
import time
from datetime import datetime, timedelta, timezone

from chalicelib.records.filter_parser import FilterError, identifiers, parse

SYSTEM = ("id", "collectionId", "collectionName")
AUTH_SYSTEM = ("id", "collectionId", "collectionName")
TOP_LEVEL = ("id", "collectionId", "collectionName", "created", "updated")  # stored beside `data` (items.py)
FOLDED_TYPES = ("text", "email", "url", "select")  # kept lowercased too, for ~ and :lower (not editor: size)
BODY_MODIFIERS = (None, "isset", "changed", "length")
SELF_COMPARISON = {"=": True, ">=": True, "<=": True, "!=": False, ">": False, "<": False}
MIRROR = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "=": "=", "!=": "!="}


class Context:
    """What `@request.*` resolves to for one request. `auth` is None (guest) or an object with `.id` and
    `.value(field)`; `body` the request body; `old` the stored data (for `:changed`)."""

    def __init__(self, auth=None, body=None, query=None, method="GET", headers=None, old=None):
        self.auth = auth
        self.body = body or {}
        self.query = query or {}
        self.method = method
        self.headers = headers or {}
        self.old = old or {}


def check(schema, collection, text, param="filter"):
    """Validate a rule or filter against the schema (at load time) without request values."""
    node = parse(text, param)
    for ident in identifiers(node):
        _resolve(schema, collection, ident, None, param)
    return node


def bind(schema, collection, text, ctx, param="filter"):
    """Parse, resolve and fold: the tree left refers only to fields of `collection` and literals."""
    return fold(_bind(schema, collection, parse(text, param), ctx, param))


def _bind(schema, collection, node, ctx, param):
    kind = node[0]
    if kind in ("and", "or"):
        return (kind, [_bind(schema, collection, child, ctx, param) for child in node[1]])
    if kind == "const":
        return node
    _, op, left, right = node
    left = _resolve(schema, collection, left, ctx, param) if left[0] == "ident" else left
    right = _resolve(schema, collection, right, ctx, param) if right[0] == "ident" else right
    if left[0] == "lit" and right[0] == "field":
        if op.lstrip("?") not in MIRROR:
            raise FilterError(f"put the field on the left of {op!r}.", param)
        left, right, op = right, left, ("?" if op.startswith("?") else "") + MIRROR[op.lstrip("?")]
    if left[0] == "field" and left[1] == "id" and right[0] == "lit" and _blank(right[1]) and op in ("=", "!="):
        return ("const", op == "!=")  # ids are never blank (e.g. a guest's `id = @request.auth.id`)
    if left[0] == "field" and left == right and op in SELF_COMPARISON:
        _check_operation(collection, op, left, right, param)
        return ("const", SELF_COMPARISON[op])  # DynamoDB rejects `a >= a`; values are never null, so it's decided
    if left[0] == "field":
        if _check_operation(collection, op, left, right, param):
            op = "!has" if op.lstrip("?") == "!~" else "has"  # membership in a multi-valued field
        elif op.lstrip("?") in ("~", "!~") and left[2] in (None, "lower") and _foldable(collection, left[1]):
            # PocketBase's ~ is SQL LIKE: case-insensitive. Compare lowercased copies (items.index_attributes).
            left, right = ("field", left[1], "lower"), ("lit", right[1].lower())
    return ("cmp", op, left, right)


def _foldable(collection, name):
    f = collection.field(name)
    return f is not None and f.type in FOLDED_TYPES and not f.multiple


def _check_operation(collection, op, left, right, param):
    f = collection.field(left[1])
    multiple = bool(f and f.multiple) and left[2] != "length"
    base = op.lstrip("?")
    if right[0] == "field":
        right_multiple = (collection.field(right[1]) and collection.field(right[1]).multiple) and right[2] != "length"
        if multiple or right_multiple or base in ("~", "!~") or op.startswith("?"):
            raise FilterError(f"comparing {left[1]} with {right[1]} by {op!r} is not supported.", param)
        if _kind(collection, left) != _kind(collection, right):
            raise FilterError(f"{left[1]} and {right[1]} hold different kinds of values.", param)
        return False
    value = right[1]
    if multiple and _blank(value) and base in ("=", "!="):
        return False
    if multiple:
        if op in ("?=", "~", "?~", "!~", "?!~"):
            return True
        raise FilterError(f"{left[1]} holds several values: use ?= (contains) or !~ (does not contain), "
                          f"not {op!r}.", param)
    if base in ("~", "!~"):
        if not isinstance(value, str):
            raise FilterError(f"{op!r} needs a text value.", param)
        if len(value) >= 2 and value.startswith("%") and value.endswith("%"):
            core = value[1:-1]
        else:
            core = value[:-1] if value.endswith("%") else value
        if "%" in core:
            raise FilterError(f"{op!r} supports 'text', 'prefix%' and '%text%' patterns only.", param)
    return False


def _kind(collection, operand):
    """What a field operand holds, for field-to-field comparisons: number, bool, json or text."""
    f = collection.field(operand[1])
    if operand[2] == "length" or (f is not None and f.type == "number"):
        return "number"
    return f.type if f is not None and f.type in ("bool", "json") else "text"


def _resolve(schema, collection, ident, ctx, param):
    _, name, modifier = ident
    if name.startswith("@request."):
        return _request_value(schema, collection, name[len("@request."):], modifier, ctx, param)
    if name.startswith("@collection."):
        raise FilterError("@collection joins are not supported; denormalize the value into this collection.", param)
    if name.startswith("@"):
        if modifier:
            raise FilterError(f"{name} takes no modifier.", param)
        return ("lit", macro(name, param))
    if "." in name:
        raise FilterError(f"{name}: filtering through relations is not supported; filter on "
                          f"{name.split('.')[0]} (the related id).", param)
    if not collection.has(name):
        raise FilterError(f"unknown field {name!r} in collection {collection.name}.", param)
    f = collection.field(name)
    if (modifier not in (None, "length", "lower") or (modifier == "length" and not (f and f.multiple))
            or (modifier == "lower" and not (f and f.type in FOLDED_TYPES))):
        raise FilterError(f"the modifier :{modifier} is not supported on {name}.", param)
    if f is not None and f.hidden and param == "filter":
        raise FilterError(f"unknown field {name!r} in collection {collection.name}.", param)
    return ("field", name, modifier)


def _request_value(schema, collection, path, modifier, ctx, param):
    head, _, rest = path.partition(".")
    if head in ("method", "context") and not rest:
        if modifier:
            raise FilterError(f"@request.{head} takes no modifier.", param)
        return ("lit", None if ctx is None else (ctx.method if head == "method" else "default"))
    if head == "auth" and rest:
        users = schema.collections["users"]
        if "." in rest or not (rest in AUTH_SYSTEM or users.has(rest)) or modifier:
            raise FilterError(f"@request.auth.{rest}{':' + modifier if modifier else ''} does not exist.", param)
        if ctx is None:
            return ("lit", None)
        return ("lit", "" if ctx.auth is None else ctx.auth.value(rest))
    if head == "body" and rest:
        if "." in rest or not (rest == "id" or collection.has(rest)) or modifier not in BODY_MODIFIERS:
            raise FilterError(f"@request.body.{rest}{':' + modifier if modifier else ''} does not exist.", param)
        if ctx is None:
            return ("lit", None)
        value = ctx.body.get(rest)
        if modifier == "isset":
            return ("lit", rest in ctx.body)
        if modifier == "changed":
            return ("lit", rest in ctx.body and ctx.body[rest] != ctx.old.get(rest))
        if modifier == "length":
            return ("lit", len(value) if isinstance(value, (list, str)) else 0)
        return ("lit", value if isinstance(value, (str, int, float, bool)) or value is None else "")
    if head in ("query", "headers") and rest and "." not in rest:
        if modifier:
            raise FilterError(f"@request.{head}.{rest} takes no modifier.", param)
        if ctx is None:
            return ("lit", None)
        source = ctx.query if head == "query" else ctx.headers
        value = source.get(rest)
        return ("lit", value if isinstance(value, str) else "")
    raise FilterError(f"@request.{path} does not exist.", param)


def macro(name, param="filter", now=None):
    dt = datetime.fromtimestamp(time.time() if now is None else now, tz=timezone.utc)
    day = dt.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    values = {
        "@now": dt, "@yesterday": dt - timedelta(days=1), "@tomorrow": dt + timedelta(days=1),
        "@todayStart": day, "@todayEnd": day + timedelta(days=1) - timedelta(milliseconds=1),
        "@monthStart": month, "@monthEnd": next_month - timedelta(milliseconds=1),
        "@yearStart": day.replace(month=1, day=1),
        "@yearEnd": day.replace(year=dt.year + 1, month=1, day=1) - timedelta(milliseconds=1),
        "@second": dt.second, "@minute": dt.minute, "@hour": dt.hour, "@weekday": (dt.weekday() + 1) % 7,
        "@day": dt.day, "@month": dt.month, "@year": dt.year,
    }
    if name not in values:
        raise FilterError(f"unknown macro {name}.", param)
    value = values[name]
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value


def fold(node):
    """Evaluate what no longer depends on a record; drop constants from and/or."""
    kind = node[0]
    if kind == "cmp" and node[2][0] == "lit" and node[3][0] == "lit":
        return ("const", compare(node[1], node[2][1], node[3][1]))
    if kind not in ("and", "or"):
        return node
    absorbing = kind == "or"  # True absorbs an or, False absorbs an and
    children = []
    for child in (fold(c) for c in node[1]):
        if child[0] == "const":
            if child[1] == absorbing:
                return child
            continue
        children.append(child)
    if not children:
        return ("const", not absorbing)
    return children[0] if len(children) == 1 else (kind, children)


def assume(node, known):
    """The tree with comparisons on fields of known value (e.g. `owner = "x"` elsewhere in an AND) decided,
    so `owner = "x" && (status = "published" || owner = @request.auth.id)` reduces to the index-covered part."""
    kind = node[0]
    if kind in ("and", "or"):
        return fold((kind, [assume(child, known) for child in node[1]]))
    if kind == "cmp" and node[2][0] == "field" and node[2][2] is None and node[2][1] in known and node[3][0] == "lit":
        return ("const", compare(node[1], known[node[2][1]], node[3][1]))
    return node


def _blank(value):
    return value is None or value == "" or value == [] and isinstance(value, list)


def _same_kind(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return True
    return isinstance(a, str) and isinstance(b, str)


def _like(a, pattern):
    if not isinstance(a, str) or not isinstance(pattern, str):
        return False
    if len(pattern) >= 2 and pattern.startswith("%") and pattern.endswith("%"):
        return pattern[1:-1] in a
    if pattern.endswith("%"):
        return a.startswith(pattern[:-1])
    return pattern in a


def compare(op, a, b):
    if op in ("has", "!has"):
        found = isinstance(a, list) and b in a
        return found == (op == "has")
    base = op.lstrip("?")
    if isinstance(a, list):
        if base in ("=", "!=") and _blank(b):
            return (len(a) == 0) == (base == "=")
        return any(compare(base, x, b) for x in a)
    if base in ("=", "!="):
        if _blank(b) or _blank(a):
            equal = _blank(a) and _blank(b)
        else:
            equal = _same_kind(a, b) and a == b
        return equal == (base == "=")
    if base in ("~", "!~"):
        return _like(a, b) == (base == "~")
    if not _same_kind(a, b) or isinstance(a, bool):
        return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[base]


def field_value(item, name, modifier=None):
    value = item.get(name) if name in TOP_LEVEL else item.get("data", {}).get(name)
    if modifier == "length":
        return len(value) if isinstance(value, (list, str)) else 0
    if modifier == "lower":
        return value.lower() if isinstance(value, str) else value
    return value


def evaluate(node, item):
    """Does the stored item (keys/system attributes + `data`) match the bound tree?"""
    kind = node[0]
    if kind == "const":
        return node[1]
    if kind == "and":
        return all(evaluate(c, item) for c in node[1])
    if kind == "or":
        return any(evaluate(c, item) for c in node[1])
    _, op, left, right = node
    a = field_value(item, left[1], left[2]) if left[0] == "field" else left[1]
    b = field_value(item, right[1], right[2]) if right[0] == "field" else right[1]
    if right[0] == "field" and (a is None or b is None):
        return op == "!="
    return compare(op, a, b)
