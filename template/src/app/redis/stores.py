"""Redis behind core's `Cache` and `EphemeralStore`, and the shared rate-limit storage."""

from limits.aio.storage import RedisStorage
from redis.asyncio import Redis

from app.core.errors import ServiceUnavailableError
from app.redis.client import REDIS_ERRORS, failed
from app.redis.keys import Keys


class RedisCache:
    """Core's `Cache` in Redis: a failing Redis is a miss, and a write that did not happen."""

    def __init__(self, client: Redis, keys: Keys) -> None:
        self._client = client
        self._keys = keys

    async def get(self, key: str) -> str | None:
        try:
            raw: bytes | None = await self._client.get(self._keys.cache(key))
        except REDIS_ERRORS as exc:
            failed("cache_get", exc)
            return None
        return None if raw is None else raw.decode()

    async def set(self, key: str, value: str, *, ttl_seconds: float) -> None:
        try:
            await _set_or_delete(self._client, self._keys.cache(key), value, ttl_seconds)
        except REDIS_ERRORS as exc:
            failed("cache_set", exc)

    async def delete(self, key: str) -> None:
        try:
            await self._client.delete(self._keys.cache(key))
        except REDIS_ERRORS as exc:
            failed("cache_delete", exc)


class RedisEphemeralStore:
    """Core's `EphemeralStore` in Redis, so a value put on one replica pops on another.

    Without Redis these values cannot be shared, so a failure is a 503, never a
    value kept in one process that the next request (on another replica) misses.
    """

    def __init__(self, client: Redis, keys: Keys) -> None:
        self._client = client
        self._keys = keys

    async def put(self, key: str, value: str, *, ttl_seconds: float) -> None:
        try:
            await _set_or_delete(self._client, self._keys.once(key), value, ttl_seconds)
        except REDIS_ERRORS as exc:
            failed("ephemeral_put", exc)
            raise ServiceUnavailableError from None

    async def pop(self, key: str) -> str | None:
        try:
            # GETDEL: one command, so two concurrent callers never both get the value.
            raw: bytes | None = await self._client.getdel(self._keys.once(key))
        except REDIS_ERRORS as exc:
            failed("ephemeral_pop", exc)
            raise ServiceUnavailableError from None
        return None if raw is None else raw.decode()


class PrefixedRedisStorage(RedisStorage):
    """The `limits` Redis storage on the module's pool, under the module's prefix.

    Its `reset` walks its own keys with SCAN (the library's uses KEYS, which
    blocks a shared Redis while it scans everything).
    """

    def __init__(self, client: Redis, keys: Keys) -> None:
        super().__init__(
            "async+redis://",
            implementation="redispy",
            key_prefix=keys.limits(),
            wrap_exceptions=True,
            # Passed on to redis-py; the library types its options as scalars.
            connection_pool=client.connection_pool,  # type: ignore[arg-type]
        )
        self._client = client
        self._pattern = f"{keys.limits()}:*"

    async def reset(self) -> int | None:
        return await delete_matching(self._client, self._pattern)


async def delete_matching(client: Redis, pattern: str) -> int:
    """Delete the keys matching `pattern`, walking with SCAN in batches; how many."""
    deleted = 0
    batch: list[bytes] = []
    async for key in client.scan_iter(match=pattern, count=500):
        batch.append(key)
        if len(batch) >= 500:
            deleted += await client.unlink(*batch)
            batch.clear()
    if batch:
        deleted += await client.unlink(*batch)
    return deleted


async def _set_or_delete(client: Redis, key: str, value: str, ttl_seconds: float) -> None:
    """Store `value` for `ttl_seconds`; a lifetime already over leaves nothing behind.

    Redis refuses an expiry of 0 ms, and rounding up to 1 ms would leave the value
    readable for that millisecond, so an expired value is deleted instead.
    """
    milliseconds = int(ttl_seconds * 1000)
    if milliseconds <= 0:
        await client.delete(key)
    else:
        await client.set(key, value, px=milliseconds)
