"""`/health/live`, `/health/ready` for orchestrators; `/api/v1/health` for people."""

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core import project
from app.core.dependencies import SettingsDep
from app.core.errors import ERROR_RESPONSES, error_response
from app.core.module import API_PREFIX

READY_TIMEOUT_SECONDS = 2.0

probes_router = APIRouter(prefix="/health", tags=["health"])
api_router = APIRouter(prefix=f"{API_PREFIX}/health", tags=["health"])


class Status(BaseModel):
    status: str


class ApiStatus(Status):
    name: str
    version: str
    environment: str


@probes_router.get("/live")
async def live() -> Status:
    """The process is up and serving. Checks nothing else, on purpose."""
    return Status(status="ok")


@probes_router.get("/ready", responses={503: ERROR_RESPONSES[503]}, response_model=Status)
async def ready(request: Request) -> Status | JSONResponse:
    """Ready for traffic: the database answers. 503 in the error envelope when not."""
    engine: AsyncEngine = request.app.state.engine
    if await database_is_up(engine):
        return Status(status="ok")
    return error_response(
        request,
        status_code=503,
        error_code="SERVICE_UNAVAILABLE",
        detail="Not ready: the database is unavailable.",
        errors=[{"check": "database", "status": "down"}],
    )


@api_router.get("")
async def api_status(settings: SettingsDep) -> ApiStatus:
    """Status and version of the service."""
    return ApiStatus(
        status="ok",
        name=project.NAME,
        version=project.VERSION,
        environment=settings.environment,
    )


async def database_is_up(engine: AsyncEngine) -> bool:
    """`SELECT 1` within a short timeout."""
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any failure means "not ready"; the probe must not crash
        return False
    return True
