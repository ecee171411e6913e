"""The ASGI application: `app.main:app`, built by `create_app()`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import Depends, FastAPI

from app.core import project
from app.core.authentication import refuse_undeclared_permissions
from app.core.config import Settings, get_settings
from app.core.database_errors import register_database_error_handlers
from app.core.docs import install_docs
from app.core.errors import register_error_handlers
from app.core.http import install_http_middleware
from app.core.logging import bind_route, configure_logging
from app.core.services import install_services, services_of
from app.core.wiring import build_services, run_modules
from app.modules import MODULES

logger = structlog.get_logger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start every module with the database ready, and close it all on shutdown."""
    logger.info("services", **services_of(app).providers)
    # Closes after uvicorn has let in-flight requests finish (graceful shutdown).
    async with run_modules(app, MODULES):
        yield


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)
    app = FastAPI(
        title=project.NAME,
        description=project.DESCRIPTION,
        version=project.VERSION,
        lifespan=lifespan,
        dependencies=[Depends(bind_route)],
        docs_url=None,  # served by install_docs, without a CDN
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
        # No redirect to the path with(out) a trailing slash: its Location would be
        # absolute and `http://` behind a TLS proxy. Routes that want both spellings
        # declare both.
        redirect_slashes=False,
    )
    if settings.docs_enabled:
        install_docs(app)
    services = build_services(settings, MODULES)
    install_services(app, services)
    register_error_handlers(app)
    register_database_error_handlers(app)
    install_http_middleware(app, settings)
    for module in MODULES:
        for router in module.routers:
            app.include_router(router)
    routes = [route for module in MODULES for router in module.routers for route in router.routes]
    refuse_undeclared_permissions(routes, services.permissions)
    return app


app = create_app()
