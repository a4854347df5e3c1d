"""text: a string, `min`/`max` characters (max 5000 when unset) and an optional `pattern`."""
from __future__ import annotations

import functools
import re
from typing import Any

from chalicelib.records.schema.fields.base import FieldType, Invalid, OptionProblem, check_number
from chalicelib.records.schema.model import Field
from chalicelib.core.patterns import lazy

MAX_TEXT_DEFAULT = 5000  # PocketBase's default text max when max is 0
_MULTILINE_FLAG = lazy(r"\(\?[imsU]*m")


@functools.lru_cache(maxsize=256)
def go_pattern(source: str) -> re.Pattern[str]:
    """A pattern as Go's regexp (RE2) reads it, which PocketBase matches text with: `$` is the end of the text, not
    also before a final newline as in Python (`^[a-z]+$` refuses "abc\\n"), `\\z` is the end too, and `\\d \\w
    \\s \\b` are ASCII. A (?m) pattern keeps `$` as the end of a line, the same in both."""
    out, i, in_class = [], 0, False
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source):
            pair = source[i:i + 2]
            out.append("\\Z" if pair == "\\z" and not in_class else pair)
            i += 2
            continue
        if in_class:
            in_class = char != "]" or source[i - 1] == "[" or source[i - 2:i] == "[^"
        elif char == "[":
            in_class = True
        elif char == "$" and not _MULTILINE_FLAG.search(source):
            char = "\\Z"
        out.append(char)
        i += 1
    return re.compile("".join(out), re.ASCII)


class Text(FieldType):
    name = "text"
    options = frozenset({"min", "max", "pattern", "autogeneratePattern", "primaryKey", "secCheck"})
    content_check = "text"
    folded = True

    def check_options(self, options: dict[str, Any]) -> None:
        for key in ("min", "max"):
            check_number(options, key, integer=True, minimum=0)
        if options.get("pattern"):
            try:
                go_pattern(options["pattern"])
            except (re.error, TypeError):
                raise OptionProblem("pattern is not a valid regular expression.") from None

    def validate(self, f: Field, value: Any) -> None:
        if not value:
            return
        low, high = f.opt("min", 0), f.opt("max", 0) or MAX_TEXT_DEFAULT
        if len(value) < low:
            raise Invalid("validation_min_text_constraint", f"Must be at least {low} character(s).")
        if len(value) > high:
            raise Invalid("validation_max_text_constraint", f"Must be no more than {high} character(s).")
        if f.opt("pattern") and not go_pattern(f.opt("pattern")).search(value):
            raise Invalid("validation_invalid_format", "Invalid value format.")

    def json_schema(self, f: Field, answer: bool) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        for option, key in (("min", "minLength"), ("max", "maxLength"), ("pattern", "pattern")):
            if f.opt(option) not in (None, "", 0) and not (answer and key in ("minLength", "pattern")):
                schema[key] = f.opt(option)
        return schema


TYPE = Text()
