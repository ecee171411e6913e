"""Answers of the health endpoints."""

from typing import Literal

from pydantic import BaseModel


class Status(BaseModel):
    status: str


class ApiStatus(Status):
    name: str
    version: str
    environment: str


class DatabaseCheck(BaseModel):
    status: Literal["ok", "down"]
    latency_ms: float | None


class DetailedStatus(Status):
    environment: str
    uptime_seconds: float
    versions: dict[str, str]
    database: DatabaseCheck
    pool: dict[str, int | str]
    queries: dict[str, int | float]
