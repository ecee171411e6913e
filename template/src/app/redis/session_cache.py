"""Core's `SessionCache` in Redis: a read-only request's session without the database.

Each session's entry holds its user (as JSON) and the user's *generation* when
written. Invalidating a user bumps that generation, so every entry of the user
stops matching at once; invalidating a session deletes its entry and bumps the
session's generation. An entry is written only if neither generation moved since
the read that missed (a Lua compare-and-set), so a request that read the
database just before a revocation cannot put the old answer back afterwards.

When Redis fails, a read is a miss (the database answers) and an invalidation
that could not be sent is kept and sent first when Redis answers again; until
then this process does not trust the cache at all.
"""

import uuid
from collections.abc import Iterable

from redis.asyncio import Redis

from app.core.session_cache import CachedSession
from app.redis.client import REDIS_ERRORS, failed
from app.redis.keys import Keys
from app.redis.stores import delete_matching

# Generations outlive every entry written under them (entries live minutes).
GENERATION_SECONDS = 24 * 3600
# Version of a read made while Redis failed: nothing is stored after it.
UNAVAILABLE = "unavailable"
# More unsent invalidations than this (a long outage): drop every entry instead.
MAX_UNSENT = 10_000

# KEYS: entry, user generation, session generation.
# ARGV: user generation read, session generation read, value, time to live (ms).
_STORE_IF_UNCHANGED = """
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[1] then return 0 end
if (redis.call('GET', KEYS[3]) or '') ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return 1
"""


class RedisSessionCache:
    """Core's `SessionCache` in Redis, shared by every replica (see the module docstring)."""

    def __init__(self, client: Redis, keys: Keys, *, max_seconds: int) -> None:
        self._client = client
        self._keys = keys
        self._max_seconds = max_seconds
        self._store_script = client.register_script(_STORE_IF_UNCHANGED)
        # Invalidations Redis did not get: sent before this process reads it again.
        self._unsent_sessions: set[uuid.UUID] = set()
        self._unsent_users: set[uuid.UUID] = set()
        self._unsent_all = False

    async def read(self, session_id: uuid.UUID, user_id: uuid.UUID) -> CachedSession:
        miss = CachedSession(session_id, user_id, None, UNAVAILABLE)
        if self._has_unsent() and not await self._send_unsent():
            return miss
        keys = self._keys
        try:
            entry, user_generation, session_generation = await self._client.mget(
                keys.session(session_id),
                keys.user_generation(user_id),
                keys.session_generation(session_id),
            )
        except REDIS_ERRORS as exc:
            failed("session_cache_read", exc)
            return miss
        user_now = _text(user_generation)
        version = f"{user_now}|{_text(session_generation)}"
        value = None
        if entry is not None:
            owner, written_under, payload = entry.decode().split("|", 2)
            if owner == str(user_id) and written_under == user_now:
                value = payload
        return CachedSession(session_id, user_id, value, version)

    async def store(self, read: CachedSession, value: str, *, ttl_seconds: float) -> None:
        ttl = min(ttl_seconds, self._max_seconds)
        if read.version == UNAVAILABLE or ttl <= 0:
            return
        user_generation, session_generation = read.version.split("|")
        keys = self._keys
        try:
            await self._store_script(
                keys=[
                    keys.session(read.session_id),
                    keys.user_generation(read.user_id),
                    keys.session_generation(read.session_id),
                ],
                args=[
                    user_generation,
                    session_generation,
                    f"{read.user_id}|{user_generation}|{value}",
                    max(1, round(ttl * 1000)),
                ],
            )
        except REDIS_ERRORS as exc:
            failed("session_cache_store", exc)

    async def invalidate(
        self, *, session_ids: Iterable[uuid.UUID] = (), user_ids: Iterable[uuid.UUID] = ()
    ) -> None:
        self._unsent_sessions.update(session_ids)
        self._unsent_users.update(user_ids)
        if len(self._unsent_sessions) + len(self._unsent_users) > MAX_UNSENT:
            self._unsent_all = True
            self._unsent_sessions.clear()
            self._unsent_users.clear()
        await self._send_unsent()

    def _has_unsent(self) -> bool:
        return self._unsent_all or bool(self._unsent_sessions or self._unsent_users)

    async def _send_unsent(self) -> bool:
        """Send every pending invalidation in one transaction; whether Redis took them."""
        if self._unsent_all:
            return await self._drop_every_entry()
        sessions, users = set(self._unsent_sessions), set(self._unsent_users)
        if not sessions and not users:
            return True
        keys = self._keys
        pipe = self._client.pipeline(transaction=True)
        for session_id in sessions:
            pipe.delete(keys.session(session_id))
            pipe.incr(keys.session_generation(session_id))
            pipe.expire(keys.session_generation(session_id), GENERATION_SECONDS)
        for user_id in users:
            pipe.incr(keys.user_generation(user_id))
            pipe.expire(keys.user_generation(user_id), GENERATION_SECONDS)
        try:
            await pipe.execute()
        except REDIS_ERRORS as exc:
            failed("session_cache_invalidate", exc)
            return False
        self._unsent_sessions -= sessions
        self._unsent_users -= users
        return True

    async def _drop_every_entry(self) -> bool:
        try:
            await delete_matching(self._client, self._keys.session("*"))
        except REDIS_ERRORS as exc:
            failed("session_cache_invalidate", exc)
            return False
        self._unsent_all = False
        return True


def _text(raw: bytes | None) -> str:
    return "" if raw is None else raw.decode()
