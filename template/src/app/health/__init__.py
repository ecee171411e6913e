"""Health: liveness and readiness probes, and the API's status (always present)."""

from app.core.module import Module
from app.health.router import api_router, probes_router

module = Module(name="health", routers=(probes_router, api_router))
