"""What a module hands the app: routers, lifespan, settings, permissions, checks, services."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI

from app.core.config import ModuleSettings
from app.core.health import HealthCheck
from app.core.permissions import Permission
from app.core.services import Provides

# Every API route lives under this prefix; probes and /metrics do not.
API_PREFIX = "/api/v1"

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Module:
    """A feature folder's registration; `app.modules.MODULES` lists them all."""

    name: str
    routers: tuple[APIRouter, ...] = ()
    # Runs inside the app's lifespan, after the database is ready.
    lifespan: Lifespan | None = None
    # The module's own settings class (own env prefix); read and checked at start,
    # listed in the README and `.env.example`.
    settings: type[ModuleSettings] | None = None
    # The object/action names its routes guard, with each role's default grant.
    permissions: tuple[Permission, ...] = ()
    # Readiness checks of what it depends on, shown by the health endpoints.
    health_checks: tuple[HealthCheck, ...] = ()
    # Capabilities it replaces in the service container.
    provides: Provides = field(default_factory=Provides)
