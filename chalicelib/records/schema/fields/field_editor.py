"""editor: rich text (HTML) up to `maxSize` bytes (5 MB when unset)."""
from __future__ import annotations

from typing import Any

from chalicelib.records.schema.fields.base import FieldType, Invalid
from chalicelib.records.schema.model import Field

MAX_EDITOR_DEFAULT = 5 << 20


class Editor(FieldType):
    name = "editor"
    options = frozenset({"maxSize", "convertURLs", "secCheck"})
    content_check = "text"
    indexable = False
    markup = True

    def validate(self, f: Field, value: Any) -> None:
        if len(value.encode()) > (f.opt("maxSize") or MAX_EDITOR_DEFAULT):
            raise Invalid("validation_content_size_limit", "The content is too large.")


TYPE = Editor()
