"""file: stored names of uploaded files (records/write/file_fields.py ties them to uploads), up to `maxSelect`,
each within `maxSize` and `mimeTypes`."""
from __future__ import annotations

from typing import Any

from chalicelib.records.schema.fields.base import Invalid, ListType, check_strings
from chalicelib.records.schema.model import Field


class File(ListType):
    name = "file"
    options = frozenset({"maxSelect", "maxSize", "mimeTypes", "thumbs", "protected", "secCheck"})
    content_check = "image"
    indexable = False
    holds_files = True
    too_many = "validation_too_many_files"

    def check_options(self, options: dict[str, Any]) -> None:
        check_strings(options, "mimeTypes", "strings")

    def validate_items(self, f: Field, values: list[str]) -> None:
        if any(len(v) > 255 or "/" in v or "\\" in v for v in values):
            raise Invalid("validation_invalid_file", "Invalid file name.")


TYPE = File()
