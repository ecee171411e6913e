"""Short-lived data: a cache, and an ephemeral store with atomic pop.

The default cache lives in this process: a miss only costs a trip to the source
of truth, so that is correct for any number of replicas. The default ephemeral
store is a database table, because a value put on one replica (an OAuth `state`)
must pop on whichever replica the next request reaches. A module such as redis
provides shared implementations of both.
"""

import time
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Index, String, Text, delete
from sqlmodel import Field, SQLModel, col

from app.core.db import Database
from app.core.models import UTCDateTime, utcnow


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
    """In-process values with a time to live: the default `Cache`.

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

    def _sweep(self) -> None:
        now = time.monotonic()
        for key in [k for k, (expires, _) in self._entries.items() if expires <= now]:
            del self._entries[key]
        while len(self._entries) >= self._max_entries:  # still full: drop the oldest
            del self._entries[next(iter(self._entries))]


class EphemeralValue(SQLModel, table=True):
    """A row of the default `EphemeralStore`; rows past `expires_at` are dead."""

    __tablename__ = "ephemeral_values"
    # The sweep of dead rows finds them by this index.
    __table_args__ = (Index("ix_ephemeral_values_expires_at", "expires_at"),)

    key: str = Field(primary_key=True, sa_type=String(255))
    value: str = Field(sa_type=Text)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class DatabaseStore:
    """The default `EphemeralStore`: a table every replica shares.

    Each call runs in its own short transaction, committed at once: a value must
    be visible to the next request whatever becomes of the current one. `pop` is
    a single `DELETE … RETURNING`, so of two concurrent callers only one gets the
    row (PostgreSQL, and SQLite from 3.35). Dead rows are swept by each `put`,
    through the index on `expires_at`, so the table holds only live values plus
    those expired since the last put.
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    async def put(self, key: str, value: str, *, ttl_seconds: float) -> None:
        now = utcnow()
        async with self._database.session_factory() as session:
            await session.exec(
                delete(EphemeralValue).where(
                    (col(EphemeralValue.key) == key) | (col(EphemeralValue.expires_at) <= now)
                )
            )
            expires_at = now + timedelta(seconds=ttl_seconds)
            session.add(EphemeralValue(key=key, value=value, expires_at=expires_at))
            await session.commit()

    async def pop(self, key: str) -> str | None:
        async with self._database.session_factory() as session:
            popped = await session.exec(
                delete(EphemeralValue)
                .where(col(EphemeralValue.key) == key, col(EphemeralValue.expires_at) > utcnow())
                .returning(col(EphemeralValue.value))
            )
            value = popped.scalar_one_or_none()
            await session.commit()
            return value
