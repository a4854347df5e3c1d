"""PocketBase `indexes` (SQLite CREATE INDEX statements) read into what wxbase does with them. Pure: no I/O.

An index becomes up to two things:
- a query path (`Index`, one of the table's GSIs gsi3..6): equality on its columns, its entries ordered by a trailing
  autodate column (`(status, created)`: records with one status, newest first) or by `created` when there is none.
  `(created)` or `(updated)` alone is the table's own created/updated order and needs no GSI; another autodate
  alone (`(edited)`) orders the whole collection by it.
- for UNIQUE, a constraint (`UniqueIndex`) enforced with one marker item per value (records/store.py).

What SQLite would do and wxbase can't, and which changes no answer, is dropped with a warning: a non-unique index on
a json, editor, file or multi-valued column, or on an expression, or with an autodate column before the last
position; the WHERE of a non-unique partial index (its entries are a subset of what wxbase indexes anyway). For
UNIQUE, everything that would change which writes succeed must be understood or the load fails: its columns must be
single-valued fields, `COLLATE NOCASE` folds ASCII case as SQLite does, and the only partial form is
`WHERE <column> != ''` (AND-ed), which exempts blank values (PocketBase's own `email` index has that form).
"""
from __future__ import annotations

import re
from typing import Callable, NamedTuple

from chalicelib.core.value_types import distinct
from chalicelib.records.schema.fields import field_type
from chalicelib.records.schema.model import Collection, Index, UniqueIndex
from chalicelib.core.patterns import lazy

BUILT_IN_ORDERS = ("created", "updated")  # the table's gsi1/gsi2 already order a collection by these

_CREATE = lazy(
    r"^\s*CREATE\s+(?P<unique>UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?[`\"'\[]?(?P<name>\w+)[`\"'\]]?\s+ON\s+"
    r"[`\"'\[]?(?P<table>\w+)[`\"'\]]?\s*\((?P<columns>.*)\)\s*(?:WHERE\s+(?P<where>.*?))?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_COLUMN = lazy(r"^[`\"'\[]?(?P<name>\w+)[`\"'\]]?(?P<rest>(?:\s+\w+)*)$")
_NOT_BLANK = lazy(r"^[`\"'\[]?(?P<name>\w+)[`\"'\]]?\s*(?:!=|<>)\s*(?:''|\"\")$")
_NOT_NULL = lazy(r"^[`\"'\[]?(?P<name>\w+)[`\"'\]]?\s+IS\s+NOT\s+NULL$", re.IGNORECASE)


class IndexProblem(ValueError):
    """An index wxbase can't honour without changing answers (the message says why)."""


@distinct
class Parsed(NamedTuple):
    name: str
    unique: bool
    columns: tuple[str, ...]
    nocase: frozenset[str]
    where: str


Warn = Callable[[str], None]


def parse(sql: str) -> Parsed:
    """The parts of one CREATE INDEX statement; IndexProblem if it is not one or has a column expression."""
    match = _CREATE.match(sql) if isinstance(sql, str) else None
    if not match:
        raise IndexProblem("not a CREATE INDEX statement.")
    columns, nocase = [], set()
    for raw in _split_columns(match.group("columns")):
        column = _COLUMN.match(raw.strip())
        words = (column.group("rest").upper().split() if column else [])
        if not column or not _plain_modifiers(words):
            raise IndexProblem(f"the column {raw.strip()!r} is an expression; index plain columns.")
        if "NOCASE" in words:
            nocase.add(column.group("name"))
        columns.append(column.group("name"))
    if not columns:
        raise IndexProblem("it names no column.")
    return Parsed(match.group("name"), bool(match.group("unique")), tuple(columns), frozenset(nocase),
                  (match.group("where") or "").strip())


def _split_columns(text: str) -> list[str]:
    if "(" in text:  # a function call such as lower(title)
        raise IndexProblem(f"the column {text.strip()!r} is an expression; index plain columns.")
    return text.split(",")


def _plain_modifiers(words: list[str]) -> bool:
    """ASC, DESC and COLLATE <name> only."""
    i = 0
    while i < len(words):
        if words[i] in ("ASC", "DESC"):
            i += 1
        elif words[i] == "COLLATE" and i + 1 < len(words):
            i += 2
        else:
            return False
    return True


def _skip_blank(where: str) -> tuple[str, ...] | None:
    """The columns of `a != '' AND b != ''` (IS NOT NULL terms are always true in PocketBase: no NULL columns);
    None for any other condition."""
    columns = []
    for term in re.split(r"\s+AND\s+", where.strip().strip("()").strip(), flags=re.IGNORECASE):
        term = term.strip().strip("()").strip()
        blank, null = _NOT_BLANK.match(term), _NOT_NULL.match(term)
        if blank:
            columns.append(blank.group("name"))
        elif not null:
            return None
    return tuple(columns)


def read(collection: Collection, raw_indexes: list, ignored_columns: set[str], warn: Warn,
         first_slot: int) -> tuple[list[Index], list[UniqueIndex]]:
    """The query paths (slots from first_slot on) and unique constraints of a collection's `indexes`.
    IndexProblem (with the index named by the caller) for what can't be honoured; `warn` for what is dropped."""
    paths: list[Index] = []
    unique: list[UniqueIndex] = []
    for raw in raw_indexes:
        try:
            parsed = parse(raw)
        except IndexProblem as exc:
            if isinstance(raw, str) and _CREATE.match(raw) and not re.match(r"^\s*CREATE\s+UNIQUE", raw, re.I):
                warn(f"index {raw!r} is not used: {exc}")
                continue
            raise IndexProblem(f"index {raw!r}: {exc}") from None
        if set(parsed.columns) & ignored_columns:
            continue  # PocketBase's own auth indexes (tokenKey, email): their columns are not wxbase's to index
        try:
            path, constraint = _one(collection, parsed, raw, warn)
        except IndexProblem as exc:
            raise IndexProblem(f"index {raw!r}: {exc}") from None
        if path is not None:
            paths.append(Index(slot=first_slot + len(paths), name=path.name, fields=path.fields, order=path.order))
        if constraint is not None:
            unique.append(constraint)
    return paths, unique


def _one(collection: Collection, parsed: Parsed, raw: str, warn: Warn) -> tuple[Index | None, UniqueIndex | None]:
    for column in parsed.columns:
        if column == "id":
            continue
        f = collection.field(column)
        if f is None:
            raise IndexProblem(f"{column!r} is not a field of the collection.")
        if f.multiple or not field_type(f).indexable:
            if parsed.unique:
                raise IndexProblem(f"{column} ({f.type}{', multiple' if f.multiple else ''}) can't be part of a "
                                  "unique index in wxbase; make it a single-valued field or drop UNIQUE.")
            warn(f"index {raw!r} is not used: {column} ({f.type}) can't be indexed; index single-valued fields.")
            return None, None
    constraint = None
    if parsed.unique:
        skip = _skip_blank(parsed.where) if parsed.where else ()
        if skip is None:
            raise IndexProblem("a partial unique index may only skip blank values (WHERE <column> != '').")
        unknown = [c for c in skip if c not in parsed.columns]
        if unknown:
            raise IndexProblem(f"its WHERE names {', '.join(unknown)}, which is not one of its columns.")
        if "id" not in parsed.columns:  # ids are unique already
            constraint = UniqueIndex(parsed.name, parsed.columns, parsed.nocase, skip)
    elif parsed.where and _skip_blank(parsed.where) is None:
        warn(f"index {raw!r}: its WHERE is ignored; wxbase indexes every record with non-blank values.")
    return _path(collection, parsed, raw, warn), constraint


def _path(collection: Collection, parsed: Parsed, raw: str, warn: Warn) -> Index | None:
    if "id" in parsed.columns:
        return None  # records are read by id directly
    autodates = [c for c in parsed.columns if c in collection.autodates]
    if autodates and (len(autodates) > 1 or parsed.columns[-1] != autodates[0]):
        if not parsed.unique:
            warn(f"index {raw!r} is not used: only a last column may be an autodate field (the order of the "
                 "entries).")
        return None
    order = autodates[0] if autodates else "created"
    fields = parsed.columns[:-1] if autodates else parsed.columns
    if not fields and order in BUILT_IN_ORDERS:
        return None  # the table's own created/updated order
    return Index(slot=0, name=parsed.name, fields=tuple(fields), order=order)
