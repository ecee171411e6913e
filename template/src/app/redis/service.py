"""What the cache endpoints do in Redis; every key they touch is under the prefix."""

import time

from redis.asyncio import Redis

from app.core.errors import ServiceUnavailableError
from app.redis.client import REDIS_ERRORS, failed, ping
from app.redis.keys import Keys
from app.redis.schemas import CacheStatus
from app.redis.stores import delete_matching


async def status(client: Redis, keys: Keys) -> CacheStatus:
    """Server version, memory and the keys of each kind; `unavailable` when Redis fails."""
    try:
        start = time.perf_counter()
        await ping(client)
        latency_ms = round((time.perf_counter() - start) * 1000, 2)
        server = await client.info("server")
        memory = await client.info("memory")
        counts = {name: await _count(client, p) for name, p in keys.namespaces().items()}
    except REDIS_ERRORS as exc:
        failed("cache_status", exc)
        return CacheStatus(status="unavailable", key_prefix=keys.prefix)
    return CacheStatus(
        status="ok",
        key_prefix=keys.prefix,
        latency_ms=latency_ms,
        redis_version=str(server.get("redis_version")),
        used_memory_bytes=int(memory.get("used_memory", 0)),
        keys=counts,
    )


async def clear(client: Redis, keys: Keys) -> int:
    """Delete the cache and the session cache (derived data: the database refills it).

    Rate-limit counts and one-time values stay: dropping them would lift limits
    or break sign-ins in flight.
    """
    try:
        return await delete_matching(client, keys.cache("*")) + await delete_matching(
            client, keys.session("*")
        )
    except REDIS_ERRORS as exc:
        failed("cache_clear", exc)
        raise ServiceUnavailableError from None


async def delete(client: Redis, keys: Keys, key: str) -> bool:
    """Delete one cache entry; whether it existed."""
    try:
        return bool(await client.delete(keys.cache(key)))
    except REDIS_ERRORS as exc:
        failed("cache_delete", exc)
        raise ServiceUnavailableError from None


async def _count(client: Redis, pattern: str) -> int:
    return sum([1 async for _ in client.scan_iter(match=pattern, count=500)])
