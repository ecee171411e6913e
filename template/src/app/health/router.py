"""Probes for orchestrators, `/metrics` for Prometheus, and the API's status for people."""

import asyncio
import platform
import time
from importlib.metadata import version

import fastapi
import sqlalchemy
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core import project
from app.core.context import client_ip, is_within
from app.core.db import pool_stats
from app.core.dependencies import SettingsDep
from app.core.errors import ERROR_RESPONSES, ForbiddenError, NotFoundError, error_response
from app.core.module import API_PREFIX
from app.health.schemas import ApiStatus, DatabaseCheck, DetailedStatus, Status
from app.users.dependencies import AdminUser

READY_TIMEOUT_SECONDS = 2.0

probes_router = APIRouter(tags=["health"])
api_router = APIRouter(prefix=f"{API_PREFIX}/health", tags=["health"], responses=ERROR_RESPONSES)


# HEAD too: load balancers probe with it. The HEAD routes stay out of the OpenAPI
# and are registered second (decorators apply bottom-up), so a 405's Allow says GET.
@probes_router.head("/health/live", include_in_schema=False)
@probes_router.get("/health/live")
async def live() -> Status:
    """The process is up and serving. Checks nothing else, on purpose."""
    return Status(status="ok")


@probes_router.head("/health/ready", include_in_schema=False, response_model=Status)
@probes_router.get("/health/ready", responses={503: ERROR_RESPONSES[503]}, response_model=Status)
async def ready(request: Request) -> Status | JSONResponse:
    """Ready for traffic: the database answers. 503 in the error envelope when not."""
    if (await check_database(request.app.state.engine)).status == "ok":
        return Status(status="ok")
    return error_response(
        request,
        status_code=503,
        error_code="SERVICE_UNAVAILABLE",
        detail="Not ready: the database is unavailable.",
        errors=[{"check": "database", "status": "down"}],
    )


@probes_router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus text format; `METRICS_ALLOWED_NETWORKS` may restrict who reads it."""
    if not settings.metrics_enabled:
        raise NotFoundError
    if settings.metrics_allowed_networks:
        ip = client_ip(request, settings.trusted_proxies)
        if ip is None or not is_within(ip, settings.metrics_allowed_networks):
            raise ForbiddenError
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@api_router.get("")
async def api_status(settings: SettingsDep) -> ApiStatus:
    """Status and version of the service."""
    return ApiStatus(
        status="ok", name=project.NAME, version=project.VERSION, environment=settings.environment
    )


@api_router.get("/detailed")
async def detailed_status(request: Request, settings: SettingsDep, _: AdminUser) -> DetailedStatus:
    """Dependencies with latency, pool and query statistics, versions, uptime (admin)."""
    engine: AsyncEngine = request.app.state.engine
    database = await check_database(engine)
    stats = request.app.state.query_stats
    return DetailedStatus(
        status=database.status,
        environment=settings.environment,
        uptime_seconds=round(time.monotonic() - request.app.state.started_at, 1),
        versions={
            project.SLUG: project.VERSION,
            "python": platform.python_version(),
            "fastapi": fastapi.__version__,
            "sqlalchemy": sqlalchemy.__version__,
            "pydantic": version("pydantic"),
        },
        database=database,
        pool={"class": type(engine.pool).__name__, **pool_stats(engine)},
        queries={
            "count": stats.count,
            "total_ms": round(stats.total_seconds * 1000, 1),
            "slow": stats.slow,
        },
    )


async def check_database(engine: AsyncEngine) -> DatabaseCheck:
    """`SELECT 1` within a short timeout, with its latency."""
    start = time.perf_counter()
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any failure means "not ready"; the probe must not crash
        return DatabaseCheck(status="down", latency_ms=None)
    return DatabaseCheck(status="ok", latency_ms=round((time.perf_counter() - start) * 1000, 2))
