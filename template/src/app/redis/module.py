"""The redis module's registration, listed in `app.modules`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from redis.asyncio import Redis

from app.core.health import HealthCheck
from app.core.module import Module
from app.core.permissions import Permission, Role, Scope
from app.core.services import Provides, ServiceContext, Services, services_of
from app.core.session_cache import NoSessionCache, SessionCache
from app.redis.client import REDIS_ERRORS, create_client, ping
from app.redis.config import RedisSettings
from app.redis.dependencies import CLIENT, client_of
from app.redis.keys import Keys
from app.redis.router import router
from app.redis.session_cache import RedisSessionCache
from app.redis.stores import PrefixedRedisStorage, RedisCache, RedisEphemeralStore

logger = structlog.get_logger(__name__)


def _client(context: ServiceContext) -> Redis:
    return context.resource(CLIENT, lambda: create_client(context.settings_of(RedisSettings)))


def _keys(context: ServiceContext) -> Keys:
    return Keys(context.settings_of(RedisSettings).key_prefix)


def _session_cache(context: ServiceContext) -> SessionCache:
    seconds = context.settings_of(RedisSettings).session_cache_seconds
    if seconds == 0:
        return NoSessionCache()
    return RedisSessionCache(_client(context), _keys(context), max_seconds=seconds)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Say at start whether Redis answers (the service starts either way); close the pool."""
    client = client_of(services_of(app))
    try:
        await ping(client)
    except REDIS_ERRORS as exc:
        logger.warning("redis unavailable at start; serving degraded", error=type(exc).__name__)
    try:
        yield
    finally:
        await client.aclose()


async def check_redis(services: Services) -> None:
    await ping(client_of(services))


module = Module(
    name="redis",
    routers=(router,),
    lifespan=lifespan,
    settings=RedisSettings,
    permissions=(
        Permission("cache", "read", {Role.ADMIN: Scope.ANY}),
        Permission("cache", "manage", {Role.ADMIN: Scope.ANY}),
    ),
    # Not required: without Redis the service serves, degraded (/health/ready says so).
    health_checks=(HealthCheck("redis", check_redis, required=False),),
    provides=Provides(
        rate_limit_storage=lambda context: PrefixedRedisStorage(_client(context), _keys(context)),
        session_cache=_session_cache,
        ephemeral_store=lambda context: RedisEphemeralStore(_client(context), _keys(context)),
        cache=lambda context: RedisCache(_client(context), _keys(context)),
    ),
)
