"""Rate limits with the `limits` library, behind one small class.

The store is a `limits` storage from the service container: in-process memory
by default, so each instance counts on its own; a shared store (Redis) makes
every instance count together. When the shared store fails, counting goes on in
this process (a warning and a metric say so): a limit never turns into a 500.
Limits are strings such as `10/minute`, read from settings.
"""

import math
import time
from typing import Annotated

import structlog
from fastapi import Depends
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from app.core.errors import RetryLaterError
from app.core.metrics import RATE_LIMIT_STORAGE_ERRORS
from app.core.services import ServicesDep

logger = structlog.get_logger(__name__)


class RateLimitedError(RetryLaterError):
    status_code = 429
    error_code = "RATE_LIMITED"
    detail = "Too many requests; try again later."


class RateLimiter:
    """Counts hits per key in a moving window and refuses those over the limit."""

    def __init__(self, storage: Storage | None = None, *, enabled: bool = True) -> None:
        self._storage = storage or MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._storage)
        # Counts in this process while the storage above is failing.
        self._fallback = MovingWindowRateLimiter(MemoryStorage())
        self._enabled = enabled

    async def reset(self) -> None:
        """Forget every count, shared or in-process (a test starts with none)."""
        self._fallback = MovingWindowRateLimiter(MemoryStorage())
        try:
            await self._storage.reset()
        except Exception as exc:  # a storage that is down: nothing to forget there now
            logger.warning("rate-limit storage failed; not reset", error=type(exc).__name__)

    async def hit(self, limit: str, *keys: str) -> None:
        """Count one hit for each key; raise `RateLimitedError` if any is over `limit`.

        Every key is counted even when an earlier one is already over, so an
        attacker cannot spare one counter by tripping another.
        """
        if not self._enabled:
            return
        item = parse(limit)
        try:
            await _hit(self._limiter, item, keys)
        except RateLimitedError:
            raise
        except Exception as exc:  # any storage failure: count here instead
            RATE_LIMIT_STORAGE_ERRORS.inc()
            # The type only: a storage error's text may hold its URL and password.
            logger.warning(
                "rate-limit storage failed; counting in-process", error=type(exc).__name__
            )
            await _hit(self._fallback, item, keys)


async def _hit(
    limiter: MovingWindowRateLimiter, item: RateLimitItem, keys: tuple[str, ...]
) -> None:
    results = [await limiter.hit(item, key) for key in keys]
    if not all(results):
        raise RateLimitedError(await _retry_after(limiter, item, keys))


async def _retry_after(
    limiter: MovingWindowRateLimiter, item: RateLimitItem, keys: tuple[str, ...]
) -> int:
    resets = [(await limiter.get_window_stats(item, key)).reset_time for key in keys]
    return max(1, math.ceil(max(resets) - time.time()))


async def get_rate_limiter(services: ServicesDep) -> RateLimiter:
    return services.rate_limiter


RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
