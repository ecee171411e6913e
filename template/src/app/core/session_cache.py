"""The session cache: an optional fast path for "whose live session is this token".

The database stays the authority. Core uses a cached answer only for read-only
requests (GET, HEAD): a request that may write always asks the database, so a
cached user never reaches a write path. Every change that ends a session or
changes a user names its ids with `forget_after_commit`; `commit_and_forget`
commits, then drops those entries from the cache, so the next request on any
replica asks the database again. A cache that cannot be reached is a miss.

The default caches nothing; the redis module provides a shared one.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

# Where a database session keeps the ids to forget once it has committed.
_PENDING = "session_cache_pending"


@dataclass(frozen=True, slots=True)
class CachedSession:
    """One read from the cache: the value (None on a miss), and what `store` needs."""

    session_id: uuid.UUID
    user_id: uuid.UUID
    value: str | None
    # The cache's own marker of what it had seen when read: `store` refuses to
    # write an answer that an invalidation has made stale since.
    version: str = ""


class SessionCache(Protocol):
    async def read(self, session_id: uuid.UUID, user_id: uuid.UUID) -> CachedSession:
        """The cached value of this session of this user, or a miss; never raises."""
        ...

    async def store(self, read: CachedSession, value: str, *, ttl_seconds: float) -> None:
        """Keep `value` for `read`'s session, unless it or its user was invalidated since."""
        ...

    async def invalidate(
        self, *, session_ids: Iterable[uuid.UUID] = (), user_ids: Iterable[uuid.UUID] = ()
    ) -> None:
        """Drop these sessions, and every session of these users."""
        ...


class NoSessionCache:
    """The default: no cache, every request asks the database."""

    async def read(self, session_id: uuid.UUID, user_id: uuid.UUID) -> CachedSession:
        return CachedSession(session_id, user_id, None)

    async def store(self, read: CachedSession, value: str, *, ttl_seconds: float) -> None:
        return None

    async def invalidate(
        self, *, session_ids: Iterable[uuid.UUID] = (), user_ids: Iterable[uuid.UUID] = ()
    ) -> None:
        return None


@dataclass(slots=True)
class _Pending:
    session_ids: set[uuid.UUID] = field(default_factory=set)
    user_ids: set[uuid.UUID] = field(default_factory=set)


def forget_after_commit(
    session: AsyncSession | Session,
    *,
    session_ids: Iterable[uuid.UUID] = (),
    user_ids: Iterable[uuid.UUID] = (),
) -> None:
    """Drop these sessions and users from the cache once `session` has committed.

    Not before: a request on another replica could otherwise cache the old row
    again between the invalidation and the commit.
    """
    pending = session.info.setdefault(_PENDING, _Pending())
    pending.session_ids.update(session_ids)
    pending.user_ids.update(user_ids)


async def commit_and_forget(session: AsyncSession, cache: SessionCache) -> None:
    """Commit, then invalidate what the transaction's changes named."""
    await session.commit()
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending is not None:
        await cache.invalidate(session_ids=pending.session_ids, user_ids=pending.user_ids)
