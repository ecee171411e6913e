"""The module's one connection pool per process, and what counts as Redis failing."""

from collections.abc import Awaitable
from typing import cast

import structlog
from prometheus_client import Counter
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from app.redis.config import RedisSettings

logger = structlog.get_logger(__name__)

# What a call to an unreachable, slow or failing Redis raises.
REDIS_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError, TimeoutError)

REDIS_ERRORS_TOTAL = Counter(
    "redis_errors_total",
    "Redis calls that failed; the service fell back (database, in-process) or answered 503.",
    ["operation"],
)


def create_client(settings: RedisSettings) -> Redis:
    """A client on a bounded pool with short timeouts and one quick retry.

    Nothing connects here: the first command does. redis-py's default retries
    back off for seconds; a cache that is down must cost a request milliseconds.
    The one retry is for a connection that failed (a pooled one Redis closed),
    never for a timeout: the command may have run, and a GETDEL sent twice
    would lose its value.
    """
    retry = Retry(NoBackoff(), retries=1, supported_errors=(RedisConnectionError,))
    pool = BlockingConnectionPool.from_url(
        settings.url.get_secret_value(),
        max_connections=settings.max_connections,
        timeout=settings.timeout_seconds,
        socket_timeout=settings.timeout_seconds,
        socket_connect_timeout=settings.timeout_seconds,
        retry=retry,
        health_check_interval=30,
    )
    client = Redis(connection_pool=pool, retry=retry)
    client.auto_close_connection_pool = True  # `aclose()` closes the pool too
    return client


def failed(operation: str, exc: BaseException) -> None:
    """Count and log a failed Redis call; the type only (the text may hold the URL)."""
    REDIS_ERRORS_TOTAL.labels(operation).inc()
    logger.warning("redis unavailable", operation=operation, error=type(exc).__name__)


async def ping(client: Redis) -> None:
    """Raise unless Redis answers."""
    # redis-py types its commands for both its sync and async clients.
    await cast(Awaitable[bool], client.ping())
