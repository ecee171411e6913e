"""What a module hands the app: its name, routers and optional lifespan."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI

# Every API route lives under this prefix; probes and /metrics do not.
API_PREFIX = "/api/v1"

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@dataclass(frozen=True, slots=True)
class Module:
    """A feature folder's registration; `app.modules.MODULES` lists them all."""

    name: str
    routers: tuple[APIRouter, ...] = ()
    # Runs inside the app's lifespan, after the database is ready.
    lifespan: Lifespan | None = None
