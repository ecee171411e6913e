"""The ASGI application: `app.main:app`, built by `create_app()`."""

import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import Depends, FastAPI

from app.core import project
from app.core.config import Settings, get_settings
from app.core.db import create_engine, create_session_factory, monitor_engine
from app.core.docs import install_docs
from app.core.email import create_email_sender
from app.core.errors import register_error_handlers
from app.core.http import install_http_middleware
from app.core.logging import bind_route, configure_logging
from app.core.passwords import PasswordHasher
from app.core.permissions import RoleOwnershipAuthorizer
from app.core.ratelimit import RateLimiter
from app.modules import MODULES


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the database, start every module, and close it all on shutdown."""
    settings: Settings = app.state.settings
    app.state.engine = create_engine(settings)
    app.state.query_stats = monitor_engine(app.state.engine, settings.database_slow_query_ms)
    app.state.session_factory = create_session_factory(app.state.engine)
    app.state.started_at = time.monotonic()
    try:
        async with AsyncExitStack() as stack:
            for module in MODULES:
                if module.lifespan is not None:
                    await stack.enter_async_context(module.lifespan(app))
            yield
    finally:
        # Runs after uvicorn has let in-flight requests finish (graceful shutdown).
        await app.state.engine.dispose()


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
    app.state.settings = settings
    app.state.password_hasher = PasswordHasher(settings)
    app.state.authorizer = RoleOwnershipAuthorizer()
    app.state.email_sender = create_email_sender(settings)
    app.state.rate_limiter = RateLimiter(enabled=settings.rate_limit_enabled)
    register_error_handlers(app)
    install_http_middleware(app, settings)
    for module in MODULES:
        for router in module.routers:
            app.include_router(router)
    return app


app = create_app()
