"""Building the service container: core's defaults, then the modules' providers."""

from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from limits.aio.storage import MemoryStorage

from app.core.authentication import NoAuthenticator
from app.core.config import Settings, load_module_settings
from app.core.db import open_database
from app.core.email import create_email_sender
from app.core.health import DATABASE_CHECK
from app.core.module import Module
from app.core.passwords import PasswordHasher
from app.core.permissions import RoleOwnershipAuthorizer, collect_permissions
from app.core.ratelimit import RateLimiter
from app.core.services import Provides, ServiceContext, Services, choose_providers, services_of
from app.core.session_cache import NoSessionCache
from app.core.stores import DatabaseStore, MemoryStore

CORE_DEFAULTS = Provides(
    # The auth module provides the real one; without it every caller is anonymous.
    authenticator=lambda _: NoAuthenticator(),
    authorizer=lambda context: RoleOwnershipAuthorizer(context.permissions),
    rate_limit_storage=lambda _: MemoryStorage(),
    password_hasher=lambda context: PasswordHasher(context.settings),
    email_sender=lambda context: create_email_sender(context.settings),
    session_cache=lambda _: NoSessionCache(),
    ephemeral_store=lambda context: DatabaseStore(context.database),
    cache=lambda _: MemoryStore(),
)


def build_services(settings: Settings, modules: Sequence[Module]) -> Services:
    """Resolve every capability once: a module's provider, else core's default.

    Refuses to start when two modules provide one capability or declare one
    permission, or when a module's settings are unsafe for production.
    """
    database = open_database(settings)
    permissions = collect_permissions((m.name, p) for m in modules for p in m.permissions)
    module_settings = load_module_settings(settings, [m.settings for m in modules if m.settings])
    context = ServiceContext(
        settings=settings,
        database=database,
        permissions=permissions,
        module_settings=module_settings,
    )
    chosen = choose_providers(CORE_DEFAULTS, ((m.name, m.provides) for m in modules))
    built = {name: factory(context) for name, (_, factory) in chosen.items()}
    return Services(
        settings=settings,
        database=database,
        authenticator=built["authenticator"],
        authorizer=built["authorizer"],
        rate_limiter=RateLimiter(built["rate_limit_storage"], enabled=settings.rate_limit_enabled),
        password_hasher=built["password_hasher"],
        email_sender=built["email_sender"],
        session_cache=built["session_cache"],
        ephemeral_store=built["ephemeral_store"],
        cache=built["cache"],
        health_checks=(DATABASE_CHECK, *(c for m in modules for c in m.health_checks)),
        permissions=permissions,
        module_settings=module_settings,
        providers={name: provider for name, (provider, _) in chosen.items()},
        resources=context.resources,
    )


@asynccontextmanager
async def run_modules(app: FastAPI, modules: Sequence[Module]) -> AsyncIterator[Services]:
    """Every module's lifespan, in order, with the database ready; then close it all."""
    services = services_of(app)
    try:
        async with AsyncExitStack() as stack:
            for module in modules:
                if module.lifespan is not None:
                    await stack.enter_async_context(module.lifespan(app))
            yield services
    finally:
        await services.database.engine.dispose()
