"""Answers of the health endpoints."""

from pydantic import BaseModel

from app.core.health import CheckResult


class Status(BaseModel):
    status: str


class Readiness(Status):
    # The optional dependencies that are down while the service serves (`degraded`).
    degraded: list[str] | None = None


class ApiStatus(Status):
    name: str
    version: str
    environment: str


class DetailedStatus(Status):
    environment: str
    uptime_seconds: float
    versions: dict[str, str]
    database: CheckResult
    # Every readiness check by name: core's `database` and each module's.
    checks: dict[str, CheckResult]
    pool: dict[str, int | str]
    queries: dict[str, int | float]
