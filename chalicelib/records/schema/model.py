"""The schema's types: a collection, its fields and indexes, and the set of collections. Data only: loading and
checking the collections file is records/schema/collections.py, reading indexes records/schema/indexes.py."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

USERS = "users"  # the built-in auth collection of WeChat users
SYSTEM_FIELDS = ("id", "collectionId", "collectionName")


@dataclass(frozen=True)
class Index:
    """A query path: gsi<slot>, partition = the values of `fields`, entries ordered by the autodate `order`."""

    slot: int  # 3.. → the table's gsi<slot>
    name: str
    fields: tuple[str, ...]
    order: str = "created"


@dataclass(frozen=True)
class UniqueIndex:
    """A UNIQUE constraint: no two records hold the same values in `columns` (unless one is blank in `skip_blank`)."""

    name: str
    columns: tuple[str, ...]
    nocase: frozenset[str] = frozenset()
    skip_blank: tuple[str, ...] = ()


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool = False
    hidden: bool = False
    options: dict = field(default_factory=dict)

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


@dataclass
class Collection:
    id: str
    name: str
    type: str
    fields: dict[str, Field]  # in file order (system and autodate fields excluded)
    rules: dict[str, str | None]
    indexes: tuple[Index, ...] = ()
    autodates: dict[str, Field] = field(default_factory=dict)  # created/updated and other autodate fields
    unique: tuple[UniqueIndex, ...] = ()  # UNIQUE indexes, enforced with marker items (records/store.py)
    write_shards: int = 1  # partition keys its records, counters and index entries spread over (docs/data-model.md)

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


@dataclass(frozen=True)
class Schema:
    collections: dict[str, Collection]  # by name
    by_id: dict[str, Collection]

    def get(self, id_or_name: str) -> Collection | None:
        return self.collections.get(id_or_name) or self.by_id.get(id_or_name)

    @property
    def users(self) -> Collection:
        return self.collections[USERS]
