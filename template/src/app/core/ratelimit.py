"""Rate limits with the `limits` library, behind one small class.

The store is a `limits` storage: in-process memory by default, so each
instance counts on its own; a shared store (Redis) makes every instance count
together. Limits are strings such as `10/minute`, read from settings.
"""

import math
import time
from typing import Annotated

from fastapi import Depends, Request
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from app.core.errors import RetryLaterError


class RateLimitedError(RetryLaterError):
    status_code = 429
    error_code = "RATE_LIMITED"
    detail = "Too many requests; try again later."


class RateLimiter:
    """Counts hits per key in a moving window and refuses those over the limit."""

    def __init__(self, storage: Storage | None = None, *, enabled: bool = True) -> None:
        self._limiter = MovingWindowRateLimiter(storage or MemoryStorage())
        self._enabled = enabled

    async def hit(self, limit: str, *keys: str) -> None:
        """Count one hit for each key; raise `RateLimitedError` if any is over `limit`.

        Every key is counted even when an earlier one is already over, so an
        attacker cannot spare one counter by tripping another.
        """
        if not self._enabled:
            return
        item = parse(limit)
        results = [await self._limiter.hit(item, key) for key in keys]
        if not all(results):
            raise RateLimitedError(await self._retry_after(item, keys))

    async def _retry_after(self, item: RateLimitItem, keys: tuple[str, ...]) -> int:
        resets = [(await self._limiter.get_window_stats(item, key)).reset_time for key in keys]
        return max(1, math.ceil(max(resets) - time.time()))


def get_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
