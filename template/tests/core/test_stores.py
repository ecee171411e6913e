"""Core's defaults: the in-process cache, the database ephemeral store, no session cache."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.db import Database, QueryStats, create_session_factory
from app.core.session_cache import NoSessionCache
from app.core.stores import DatabaseStore, EphemeralValue, MemoryStore


async def test_values_live_until_their_ttl() -> None:
    store = MemoryStore()
    await store.set("a", "1", ttl_seconds=60)
    await store.set("gone", "2", ttl_seconds=0)
    assert await store.get("a") == "1"
    assert await store.get("gone") is None
    await store.delete("a")
    assert await store.get("a") is None


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


@pytest.fixture
async def database_store(engine: AsyncEngine) -> AsyncIterator[DatabaseStore]:
    """The default ephemeral store on the test database, with sessions of its own
    that really commit (as on two replicas); emptied afterwards."""
    yield DatabaseStore(Database(engine, QueryStats(), create_session_factory(engine)))
    async with engine.begin() as connection:
        await connection.execute(delete(EphemeralValue))


async def _rows(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(
            (
                await connection.execute(select(func.count()).select_from(EphemeralValue))
            ).scalar_one()
        )


async def test_the_database_store_hands_a_value_out_once(database_store: DatabaseStore) -> None:
    await database_store.put("state", "xyz", ttl_seconds=60)
    assert await database_store.pop("state") == "xyz"
    assert await database_store.pop("state") is None
    assert await database_store.pop("never-put") is None


async def test_concurrent_pops_of_one_value_give_it_to_one_caller(
    database_store: DatabaseStore,
) -> None:
    """Each pop runs on its own connection, as on separate replicas."""
    for round_ in range(3):
        await database_store.put(f"code-{round_}", "user", ttl_seconds=60)
        results = await asyncio.gather(*(database_store.pop(f"code-{round_}") for _ in range(5)))
        assert results.count("user") == 1
        assert results.count(None) == 4


async def test_an_expired_value_is_gone_and_swept_by_the_next_put(
    database_store: DatabaseStore, engine: AsyncEngine
) -> None:
    await database_store.put("old", "v", ttl_seconds=0)
    assert await database_store.pop("old") is None
    assert await _rows(engine) == 1  # a dead row, until the next put
    await database_store.put("new", "v", ttl_seconds=60)
    assert await _rows(engine) == 1
    assert await database_store.pop("new") == "v"


async def test_a_second_put_replaces_the_value(database_store: DatabaseStore) -> None:
    await database_store.put("key", "first", ttl_seconds=60)
    await database_store.put("key", "second", ttl_seconds=60)
    assert await database_store.pop("key") == "second"
