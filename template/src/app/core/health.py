"""Readiness checks: named async checks that modules declare, run by the health endpoints.

A check raises (or times out) when its dependency is down. Core checks the
database; a module adds its own (`Module(health_checks=...)`). `/health/ready`
answers 503 when a required check fails; an optional one (a dependency the
service can serve without, such as a cache) only makes it `degraded`.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import text

from app.core.services import Services

CHECK_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class HealthCheck:
    name: str
    check: Callable[[Services], Awaitable[None]]
    # False: the service still serves without it (reported as "degraded", not "down").
    required: bool = True


class CheckResult(BaseModel):
    status: Literal["ok", "degraded", "down"]
    latency_ms: float | None


async def check_database(services: Services) -> None:
    async with services.database.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


DATABASE_CHECK = HealthCheck("database", check_database)


async def run_check(services: Services, health_check: HealthCheck) -> CheckResult:
    """Run one check within a short timeout, with its latency."""
    start = time.perf_counter()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await health_check.check(services)
    except Exception:  # any failure means "down"; the probe must not crash
        return CheckResult(status="down" if health_check.required else "degraded", latency_ms=None)
    return CheckResult(status="ok", latency_ms=round((time.perf_counter() - start) * 1000, 2))


async def run_checks(services: Services) -> dict[str, CheckResult]:
    """Every check, concurrently, by name."""
    checks = services.health_checks
    results = await asyncio.gather(*(run_check(services, c) for c in checks))
    return {c.name: result for c, result in zip(checks, results, strict=True)}
