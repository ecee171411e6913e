"""Redis for the redis module's tests: the real server at `REDIS_URL`, under `REDIS_KEY_PREFIX`.

The tests write only keys under the prefix (nox gives each run its own), so they
may share a Redis with anything else. When Redis is unreachable they fail and say
how to start one.
"""

import os
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.redis.client import REDIS_ERRORS, create_client, ping
from app.redis.config import RedisSettings
from app.redis.keys import Keys
from app.redis.stores import delete_matching

# The production default (0.5 s) is for a Redis next door; a test machine under load may
# stall a process longer than that, and a timeout would turn a test of what Redis does
# into one of how busy the machine is. The degraded-mode tests set their own.
os.environ.setdefault("REDIS_TIMEOUT_SECONDS", "5")

START_REDIS = (
    "Redis is not reachable at REDIS_URL. Start one (`redis-server --port 6379 --save ''`, "
    "or `docker run -d -p 6379:6379 redis:7-alpine`) or point REDIS_URL at one."
)


@pytest.fixture
def redis_settings() -> RedisSettings:
    return RedisSettings()


@pytest.fixture
def keys(redis_settings: RedisSettings) -> Keys:
    return Keys(redis_settings.key_prefix)


@pytest.fixture
async def redis_client(redis_settings: RedisSettings, keys: Keys) -> AsyncIterator[Redis]:
    """A client of the tests' own; the test starts and ends with no key under the prefix."""
    client = create_client(redis_settings)
    try:
        await ping(client)
    except REDIS_ERRORS:
        await client.aclose()
        pytest.fail(START_REDIS)
    await delete_matching(client, f"{keys.prefix}*")
    yield client
    await delete_matching(client, f"{keys.prefix}*")
    await client.aclose()
