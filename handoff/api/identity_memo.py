"""Per-process memos keyed by the identity of objects that live on between requests (a
parsed document from the parse cache, a person's cached pattern): a lookup hashes their
ids, never the objects themselves (a syntax tree, a pattern's nested tuples).

An entry holds its objects, so no other object can take their ids while it lives; a
full memo is emptied (its users' working sets are far smaller than their limits).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class IdentityMemo(Generic[V]):
    """Values by (the identity of some objects, a hashable rest), at most `limit` of them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._entries: dict[Hashable, tuple[tuple[object, ...], V]] = {}

    def __call__(self, objects: tuple[object, ...], rest: Hashable, compute: Callable[[], V]) -> V:
        """The value kept for these very objects and `rest`, else `compute()`, kept."""
        key = (*map(id, objects), rest)
        hit = self._entries.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], objects, strict=True)):
            return hit[1]
        value = compute()
        if len(self._entries) >= self.limit:
            self._entries.clear()
        self._entries[key] = (objects, value)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()
