"""The module's client and key names, from the service container."""

from typing import Annotated

from fastapi import Depends
from redis.asyncio import Redis

from app.core.services import Services, ServicesDep
from app.redis.config import RedisSettings
from app.redis.keys import Keys

# The name of the client in the container's resources (one pool per process).
CLIENT = "redis"


def client_of(services: Services) -> Redis:
    return services.resource(CLIENT, Redis)


async def get_client(services: ServicesDep) -> Redis:
    return client_of(services)


async def get_keys(services: ServicesDep) -> Keys:
    return Keys(services.settings_of(RedisSettings).key_prefix)


RedisDep = Annotated[Redis, Depends(get_client)]
KeysDep = Annotated[Keys, Depends(get_keys)]
