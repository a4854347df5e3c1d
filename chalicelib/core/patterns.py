"""Regular expressions compiled on first use, so that `import app` (every Lambda's cold start) compiles none it
doesn't run: a module-level `X = lazy(r"...")` costs nothing until `X.match(...)` is called.

The URL field's pattern alone (IGNORECASE over `\\u00a1-\\uffff`) took tens of milliseconds to compile at import.
tests/unit/test_import_weight.py fails when importing app compiles a pattern again.
"""
from __future__ import annotations

import re
from typing import Any


class LazyPattern:
    """Stands in for a compiled `re.Pattern` (match, fullmatch, search, sub, findall, pattern…)."""

    __slots__ = ("_source", "_flags", "_compiled")

    def __init__(self, source: str, flags: int = 0) -> None:
        self._source, self._flags = source, flags
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self._source, self._flags)
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled(), name)


def lazy(source: str, flags: int = 0) -> LazyPattern:
    """A pattern compiled the first time it is used (same arguments as re.compile)."""
    return LazyPattern(source, flags)
