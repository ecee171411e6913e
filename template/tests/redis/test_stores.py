"""The cache, the ephemeral store and the shared rate limits, in real Redis."""

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from app.core.config import Settings
from app.core.services import services_of
from app.redis.keys import Keys
from tests.helpers import assert_error, build_app


async def test_the_cache_keeps_values_under_the_prefix_until_their_ttl(
    app: FastAPI, redis_client: Redis, keys: Keys
) -> None:
    cache = services_of(app).cache
    await cache.set("greeting", "hello", ttl_seconds=60)
    await cache.set("brief", "gone soon", ttl_seconds=0.05)
    assert await redis_client.get(keys.cache("greeting")) == b"hello"
    assert await cache.get("greeting") == "hello"
    await asyncio.sleep(0.1)
    assert await cache.get("brief") is None
    await cache.delete("greeting")
    assert await cache.get("greeting") is None


async def test_a_one_time_value_pops_once_among_concurrent_callers(
    app: FastAPI, redis_client: Redis, keys: Keys
) -> None:
    store = services_of(app).ephemeral_store
    await store.put("oauth-state", "verifier", ttl_seconds=60)
    assert await redis_client.exists(keys.once("oauth-state")) == 1
    results = await asyncio.gather(*(store.pop("oauth-state") for _ in range(20)))
    assert results.count("verifier") == 1
    assert results.count(None) == 19
    await store.put("expiring", "x", ttl_seconds=0.05)
    await asyncio.sleep(0.1)
    assert await store.pop("expiring") is None


async def test_a_value_whose_lifetime_is_already_over_is_never_read(
    app: FastAPI, redis_client: Redis, keys: Keys
) -> None:
    """No 1 ms grace: a put or set with no lifetime left replaces any value with nothing."""
    services = services_of(app)
    await services.ephemeral_store.put("spent", "first", ttl_seconds=60)
    await services.ephemeral_store.put("spent", "second", ttl_seconds=0)
    await services.cache.set("stale", "first", ttl_seconds=60)
    await services.cache.set("stale", "second", ttl_seconds=-1)
    assert await redis_client.exists(keys.once("spent"), keys.cache("stale")) == 0
    assert await services.ephemeral_store.pop("spent") is None
    assert await services.cache.get("stale") is None


@pytest.fixture
def tight_login_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_LOGIN", "3/minute")


async def test_v2_4_1_two_instances_count_rate_limits_together(
    tight_login_limit: None, redis_client: Redis, keys: Keys
) -> None:
    """Two apps (as two replicas would) on one Redis: the fourth sign-in is refused."""
    replicas = [build_app(Settings()) for _ in range(2)]
    statuses = []
    for attempt in range(4):
        replica = replicas[attempt % 2]
        async with replica.router.lifespan_context(replica):
            transport = httpx.ASGITransport(app=replica)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                body = {"email": "nobody@example.com", "password": "wrong-password-1"}
                response = await client.post("/api/v1/auth/login", json=body)
        statuses.append(response.status_code)
    assert statuses[:3] == [401, 401, 401]
    assert_error(response, 429, "RATE_LIMITED")
    assert [key async for key in redis_client.scan_iter(match=f"{keys.limits()}:*")]
