"""Answers of the cache endpoints."""

from typing import Literal

from pydantic import BaseModel


class CacheStatus(BaseModel):
    # "unavailable": Redis does not answer; the service runs degraded.
    status: Literal["ok", "unavailable"]
    key_prefix: str
    latency_ms: float | None = None
    redis_version: str | None = None
    used_memory_bytes: int | None = None
    # How many keys of each kind live under the prefix.
    keys: dict[str, int] = {}


class CacheCleared(BaseModel):
    # Cache and session-cache entries deleted (rate-limit counts and one-time values stay).
    deleted: int
