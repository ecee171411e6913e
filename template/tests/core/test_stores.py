"""The in-process defaults of the cache, the ephemeral store and the session cache."""

import asyncio
import uuid

from app.core.session_cache import NoSessionCache
from app.core.stores import MemoryStore


async def test_values_live_until_their_ttl() -> None:
    store = MemoryStore()
    await store.set("a", "1", ttl_seconds=60)
    await store.set("gone", "2", ttl_seconds=0)
    assert await store.get("a") == "1"
    assert await store.get("gone") is None
    await store.delete("a")
    assert await store.get("a") is None


async def test_pop_hands_a_value_out_once() -> None:
    store = MemoryStore()
    await store.put("state", "xyz", ttl_seconds=60)
    results = await asyncio.gather(*(store.pop("state") for _ in range(5)))
    assert results.count("xyz") == 1
    assert results.count(None) == 4
    await store.put("old", "v", ttl_seconds=0)
    assert await store.pop("old") is None


async def test_a_full_store_drops_expired_then_oldest_entries() -> None:
    store = MemoryStore(max_entries=3)
    await store.set("expired", "x", ttl_seconds=0)
    for key in ("k1", "k2", "k3", "k4"):
        await store.set(key, key, ttl_seconds=60)
    assert await store.get("expired") is None
    assert await store.get("k1") is None  # the oldest went to make room
    assert [await store.get(k) for k in ("k2", "k3", "k4")] == ["k2", "k3", "k4"]


async def test_without_a_session_cache_every_lookup_misses() -> None:
    cache = NoSessionCache()
    session_id, user_id = uuid.uuid4(), uuid.uuid4()
    read = await cache.read(session_id, user_id)
    await cache.store(read, "alive", ttl_seconds=60)
    assert (await cache.read(session_id, user_id)).value is None
    await cache.invalidate(session_ids=[session_id], user_ids=[user_id])
