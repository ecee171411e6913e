"""Short-lived data: a cache, and an ephemeral store with atomic pop.

The defaults keep everything in this process, which is correct for one replica
(one process). A module such as redis provides shared implementations, so that
every replica sees the same data.
"""

import time
from typing import Protocol


class Cache(Protocol):
    """Values that may vanish at any time (expired or evicted); the source of truth is elsewhere."""

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, *, ttl_seconds: float) -> None: ...

    async def delete(self, key: str) -> None: ...


class EphemeralStore(Protocol):
    """Values that live a short while and are read once (OAuth state, one-time codes)."""

    async def put(self, key: str, value: str, *, ttl_seconds: float) -> None: ...

    async def pop(self, key: str) -> str | None:
        """Return the value and remove it, atomically: two callers never both get it."""
        ...


class MemoryStore:
    """In-process values with a time to live: the default `Cache` and `EphemeralStore`.

    Expired entries are dropped when read, and swept when the store grows, so
    it cannot fill with keys nobody reads again.
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: dict[str, tuple[float, str]] = {}
        self._max_entries = max_entries

    async def get(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] <= time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry[1]

    async def set(self, key: str, value: str, *, ttl_seconds: float) -> None:
        if len(self._entries) >= self._max_entries:
            self._sweep()
        self._entries[key] = (time.monotonic() + ttl_seconds, value)

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    async def put(self, key: str, value: str, *, ttl_seconds: float) -> None:
        await self.set(key, value, ttl_seconds=ttl_seconds)

    async def pop(self, key: str) -> str | None:
        # No await between the read and the removal: atomic on the event loop.
        entry = self._entries.pop(key, None)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1]

    def _sweep(self) -> None:
        now = time.monotonic()
        for key in [k for k, (expires, _) in self._entries.items() if expires <= now]:
            del self._entries[key]
        while len(self._entries) >= self._max_entries:  # still full: drop the oldest
            del self._entries[next(iter(self._entries))]
