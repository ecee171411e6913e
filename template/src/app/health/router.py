"""Probes for orchestrators, `/metrics` for Prometheus, and the API's status for people."""

import platform
import time
from importlib.metadata import version

import fastapi
import sqlalchemy
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.core import project
from app.core.authentication import require_permission
from app.core.context import client_ip, is_within
from app.core.db import pool_stats
from app.core.dependencies import SettingsDep
from app.core.errors import ERROR_RESPONSES, ForbiddenError, NotFoundError, error_response
from app.core.health import run_checks
from app.core.module import API_PREFIX
from app.core.services import ServicesDep
from app.health.schemas import ApiStatus, DetailedStatus, Readiness, Status

probes_router = APIRouter(tags=["health"])
api_router = APIRouter(prefix=f"{API_PREFIX}/health", tags=["health"], responses=ERROR_RESPONSES)


# HEAD too: load balancers probe with it. The HEAD routes stay out of the OpenAPI
# and are registered second (decorators apply bottom-up), so a 405's Allow says GET.
@probes_router.head("/health/live", include_in_schema=False)
@probes_router.get("/health/live")
async def live() -> Status:
    """The process is up and serving. Checks nothing else, on purpose."""
    return Status(status="ok")


@probes_router.head(
    "/health/ready",
    include_in_schema=False,
    response_model=Readiness,
    response_model_exclude_none=True,
)
@probes_router.get(
    "/health/ready",
    responses={503: ERROR_RESPONSES[503]},
    response_model=Readiness,
    response_model_exclude_none=True,
)
async def ready(request: Request, services: ServicesDep) -> Readiness | JSONResponse:
    """Ready for traffic: every required check passes (the database, and each module's).

    503 in the error envelope, naming the failed checks, when not. An optional
    dependency that is down (a cache) answers 200 `degraded`, naming it: the
    service still serves.
    """
    results = await run_checks(services)
    down = [name for name, result in results.items() if result.status == "down"]
    if not down:
        degraded = [name for name, result in results.items() if result.status == "degraded"]
        return (
            Readiness(status="degraded", degraded=degraded) if degraded else Readiness(status="ok")
        )
    return error_response(
        request,
        status_code=503,
        error_code="SERVICE_UNAVAILABLE",
        detail=f"Not ready: unavailable: {', '.join(down)}.",
        errors=[{"check": name, "status": "down"} for name in down],
    )


@probes_router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus text format, for the addresses in `METRICS_ALLOWED_NETWORKS` only."""
    if not settings.metrics_enabled:
        raise NotFoundError
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


@api_router.get("/detailed", dependencies=[require_permission("health", "read_details")])
async def detailed_status(services: ServicesDep) -> DetailedStatus:
    """Every check with its latency, pool and query statistics, versions, uptime.

    Needs the `health:read_details` permission (admins by default).
    """
    checks = await run_checks(services)
    engine = services.database.engine
    stats = services.database.query_stats
    statuses = {c.status for c in checks.values()}
    return DetailedStatus(
        status="down" if "down" in statuses else "degraded" if "degraded" in statuses else "ok",
        environment=services.settings.environment,
        uptime_seconds=round(time.monotonic() - services.started_at, 1),
        versions={
            project.SLUG: project.VERSION,
            "python": platform.python_version(),
            "fastapi": fastapi.__version__,
            "sqlalchemy": sqlalchemy.__version__,
            "pydantic": version("pydantic"),
        },
        database=checks["database"],
        checks=checks,
        pool={"class": type(engine.pool).__name__, **pool_stats(engine)},
        queries={
            "count": stats.count,
            "total_ms": round(stats.total_seconds * 1000, 1),
            "slow": stats.slow,
        },
    )
