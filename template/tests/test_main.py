"""The app factory runs each module's lifespan inside its own, with the database ready."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI

from app import main
from app.core.config import get_settings
from app.core.module import Module
from app.core.services import services_of
from app.modules import MODULES


async def test_module_lifespans_run_with_the_database_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.append(f"start, engine ready: {services_of(app).database.engine is not None}")
        yield
        events.append("stop")

    probe = Module(name="probe", lifespan=lifespan)
    monkeypatch.setattr("app.main.MODULES", (*MODULES, probe))
    app = main.create_app(get_settings())
    async with app.router.lifespan_context(app):
        events.append("serving")
    assert events == ["start, engine ready: True", "serving", "stop"]
