"""The schema's types: a collection, its fields and indexes, and the set of collections. Data only: loading and
checking the collections file is records/schema/collections.py, reading indexes records/schema/indexes.py."""
from __future__ import annotations

from typing import Any, Iterator, NamedTuple

from chalicelib.core.value_types import distinct

USERS = "users"  # the built-in auth collection of WeChat users
SYSTEM_FIELDS = ("id", "collectionId", "collectionName")


@distinct
class Index(NamedTuple):
    """A query path: gsi<slot>, partition = the values of `fields`, entries ordered by the autodate `order`.
    `directory`: how many of its last fields every record holds a value in (0: none). When some do, its value
    counters also list the distinct values in order (store.py), and a sort by those fields (the others fixed by
    the filter) walks them at any collection size (query/walk.py)."""

    slot: int  # 3.. → the table's gsi<slot>
    name: str
    fields: tuple[str, ...]
    order: str = "created"
    directory: int = 0


@distinct
class UniqueIndex(NamedTuple):
    """A UNIQUE constraint: no two records hold the same values in `columns` (unless one is blank in `skip_blank`)."""

    name: str
    columns: tuple[str, ...]
    nocase: frozenset[str] = frozenset()
    skip_blank: tuple[str, ...] = ()


@distinct
class Field(NamedTuple):
    name: str
    type: str
    required: bool = False
    hidden: bool = False
    options: dict = {}  # never changed after the load (a shared empty default is safe)

    def opt(self, name: str, default: Any = None) -> Any:
        value = self.options.get(name)
        return default if value is None else value

    @property
    def multiple(self) -> bool:
        """Multi-valued (stored as a list): maxSelect > 1 (only select, file and relation fields have it: the load
        refuses it on others)."""
        return self.opt("maxSelect", 1) > 1

    @property
    def target(self) -> str:
        """A relation's target collection name (resolved at load; "" for other types)."""
        return str(self.options.get("_target") or "")


class Collection:
    """One collection; the load sets its indexes once it has read them (records/schema/collections.py)."""

    def __init__(self, id: str, name: str, type: str, fields: dict[str, Field], rules: dict[str, str | None],
                 indexes: tuple[Index, ...] = (), autodates: dict[str, Field] | None = None,
                 unique: tuple[UniqueIndex, ...] = (), shard_history: tuple[int, ...] = (1,)) -> None:
        self.id, self.name, self.type = id, name, type
        self.fields = fields  # in file order (system and autodate fields excluded)
        self.rules = rules
        self.indexes = indexes
        self.autodates = autodates if autodates is not None else {}  # created/updated and other autodate fields
        self.unique = unique  # UNIQUE indexes, enforced with marker items (records/store.py)
        # the write-shard counts it has had, the newest last: new records, counters and index entries spread over
        # the newest count's partition keys, older records stay in theirs (docs/data-model.md)
        self.shard_history = shard_history

    def __repr__(self) -> str:
        return f"Collection(name={self.name!r}, type={self.type!r}, fields={list(self.fields)})"

    @property
    def write_shards(self) -> int:
        """The count new records are placed by."""
        return self.shard_history[-1]

    @property
    def is_auth(self) -> bool:
        return self.type == "auth"

    def field(self, name: str) -> Field | None:
        return self.fields.get(name) or self.autodates.get(name)

    def has(self, name: str) -> bool:
        return name in SYSTEM_FIELDS or name in self.fields or name in self.autodates

    def unique_on(self, name: str) -> bool:
        """A UNIQUE index on exactly this one column (PocketBase then treats a back-relation through it as single)."""
        return any(u.columns == (name,) for u in self.unique)

    def index_for(self, names: list[str]) -> Iterator[Index]:
        wanted = set(names)
        for index in self.indexes:
            if set(index.fields) <= wanted:
                yield index


@distinct
class Schema(NamedTuple):
    collections: dict[str, Collection]  # by name
    by_id: dict[str, Collection]

    def get(self, id_or_name: str) -> Collection | None:
        """By id or by name in any case (PocketBase's /api/collections/POSTS/records is posts')."""
        found = self.collections.get(id_or_name) or self.by_id.get(id_or_name)
        if found is None:  # names are unique whatever their case (the loader refuses two that differ only by it)
            lowered = id_or_name.lower()
            found = next((c for name, c in self.collections.items() if name.lower() == lowered), None)
        return found

    @property
    def users(self) -> Collection:
        return self.collections[USERS]
