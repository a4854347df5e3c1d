"""The write path's extension point: callables that run before a record's conditional write.

records/write/record_writes.py calls `before` once per write attempt, after the collection's rule passed and before the
fields
are validated, so what a hook puts into `Write.data` is prepared and validated exactly as the request's own body
(PocketBase's request hooks sit at the same place). A hook refuses with `Refused`, which answers PocketBase's 400
body naming the field, and nothing is written. chalicelib.functions registers the team's `@before` hooks here;
records knows nothing else of them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from chalicelib.core.errors import BadRequest, field_error

if TYPE_CHECKING:
    from chalicelib.records.access import Caller
    from chalicelib.records.schema.model import Collection
    from chalicelib.records.store import StoredRecord

ACTIONS = ("create", "update", "delete")


class Refused(Exception):
    """Raised by a before hook: the write is refused with a field error (`code` is PocketBase's validation_*)."""

    def __init__(self, field: str, message: str, code: str = "validation_invalid_value") -> None:
        super().__init__(message)
        self.field, self.message, self.code = field, message, code


class Write:
    """One write as a before hook sees it. `data` is the submitted body (keys as sent, modifiers such as `views+`
    included): change it to change what is written. `old` is the stored record's fields (update, delete)."""

    __slots__ = ("action", "collection", "id", "data", "old", "caller")

    def __init__(self, action: str, collection: str, id: str, data: dict[str, Any], old: dict[str, Any] | None,
                 caller: Caller) -> None:
        self.action, self.collection, self.id, self.data, self.old, self.caller = (
            action, collection, id, data, old, caller)

    def __repr__(self) -> str:
        return f"Write({self.action} {self.collection}/{self.id})"


Hook = Callable[[Write], None]
_hooks: dict[tuple[str, str], list[Hook]] = {}


def register(action: str, collection: str, hook: Hook) -> None:
    if action not in ACTIONS:
        raise ValueError(f"before hooks run on {', '.join(ACTIONS)}, not {action!r}")
    _hooks.setdefault((action, collection), []).append(hook)


def before(action: str, collection: Collection, record_id: str, body: dict[str, Any],
           old: StoredRecord | None, caller: Caller) -> dict[str, Any]:
    """The body to write after the hooks of (action, collection) ran, in the order they were registered."""
    hooks = _hooks.get((action, collection.name))
    if not hooks:
        return body
    write = Write(action, collection.name, record_id, dict(body), dict(old.data) if old else None, caller)
    for hook in hooks:
        try:
            hook(write)
        except Refused as refused:
            raise BadRequest(f"Failed to {action} record.",
                             {refused.field: field_error(refused.code, refused.message)}) from None
        if not isinstance(write.data, dict):
            raise TypeError(f"a before hook of {collection.name} left data that is not a dict")
    return write.data
