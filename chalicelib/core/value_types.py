"""Value types on the start path, cheaper to declare than dataclasses: a dataclass execs generated code for each
class and imports `inspect` (with `ast` and `dis`), a large share of `import app` that every cold start pays. A
`typing.NamedTuple` marked `@distinct` behaves as a frozen dataclass does where the code relies on it: immutable,
compared and hashed by its values, and never equal to another class's value holding the same ones."""
from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T", bound=type)


def distinct(cls: T) -> T:
    """Equal only to values of the same class (a tuple of equal items would otherwise compare equal)."""

    def __eq__(self: tuple, other: Any) -> bool:
        return type(other) is type(self) and tuple.__eq__(self, other)

    def __ne__(self: tuple, other: Any) -> bool:
        return not __eq__(self, other)

    def __hash__(self: tuple) -> int:
        return hash((type(self).__name__, *self))

    cls.__eq__, cls.__ne__, cls.__hash__ = __eq__, __ne__, __hash__  # type: ignore[assignment,method-assign]
    return cls
