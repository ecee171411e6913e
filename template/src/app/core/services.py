"""The service container: the app's pluggable capabilities, typed, resolved once at start.

Core defines each capability as a protocol with a default that is correct for
one replica (`app.core.defaults`). A module replaces one by declaring it in its
`Module(provides=Provides(...))`; two modules providing the same capability stop
the app at start with an error naming both. Routes reach the container through
the `...Dep` dependencies, never through `app.state`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

from fastapi import Depends, FastAPI, Request

if TYPE_CHECKING:
    from limits.aio.storage import Storage

    from app.core.authentication import Authenticator
    from app.core.config import ModuleSettings, Settings
    from app.core.db import Database
    from app.core.email import EmailSender
    from app.core.health import HealthCheck
    from app.core.passwords import PasswordHasher
    from app.core.permissions import Authorizer, Permission
    from app.core.ratelimit import RateLimiter
    from app.core.session_cache import SessionCache
    from app.core.stores import Cache, EphemeralStore

T = TypeVar("T")
S = TypeVar("S", bound="ModuleSettings")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class ServiceContext:
    """What a provider's factory may build from."""

    settings: Settings
    database: Database
    permissions: tuple[Permission, ...]
    module_settings: dict[type[ModuleSettings], ModuleSettings] = field(default_factory=dict)
    # Objects several of one module's factories use (a connection pool), kept in `Services`.
    resources: dict[str, object] = field(default_factory=dict)

    def settings_of(self, cls: type[S]) -> S:
        """A module's own settings, read and checked before any provider is built."""
        return _settings_of(self.module_settings, cls)

    def resource(self, name: str, build: Callable[[], R]) -> R:
        """The app's one `name` resource, built by the first factory that asks for it."""
        if name not in self.resources:
            self.resources[name] = build()
        return cast(R, self.resources[name])


Factory = Callable[[ServiceContext], T]


@dataclass(frozen=True, slots=True, kw_only=True)
class Provides:
    """The capabilities a module provides: a factory for each, called once at start."""

    authenticator: Factory[Authenticator] | None = None
    authorizer: Factory[Authorizer] | None = None
    rate_limit_storage: Factory[Storage] | None = None
    password_hasher: Factory[PasswordHasher] | None = None
    email_sender: Factory[EmailSender] | None = None
    session_cache: Factory[SessionCache] | None = None
    ephemeral_store: Factory[EphemeralStore] | None = None
    cache: Factory[Cache] | None = None


class ServiceConflictError(RuntimeError):
    """Two modules provide the same capability; the app refuses to start."""


@dataclass(slots=True)
class Services:
    """One per app: settings, the database, and every capability, each resolved once."""

    settings: Settings
    database: Database
    authenticator: Authenticator
    authorizer: Authorizer
    rate_limiter: RateLimiter
    password_hasher: PasswordHasher
    email_sender: EmailSender
    session_cache: SessionCache
    ephemeral_store: EphemeralStore
    cache: Cache
    health_checks: tuple[HealthCheck, ...] = ()
    permissions: tuple[Permission, ...] = ()
    module_settings: dict[type[ModuleSettings], ModuleSettings] = field(default_factory=dict)
    # Which module provided each capability ("core" for a default): shown at start.
    providers: dict[str, str] = field(default_factory=dict)
    resources: dict[str, object] = field(default_factory=dict)
    started_at: float = field(default_factory=time.monotonic)

    def settings_of(self, cls: type[S]) -> S:
        """A module's own settings, read and checked at start."""
        return _settings_of(self.module_settings, cls)

    def resource(self, name: str, cls: type[R]) -> R:
        """A resource a module's factories built (`ServiceContext.resource`)."""
        found = self.resources[name]
        if not isinstance(found, cls):  # pragma: no cover - a module's own naming mistake
            raise TypeError(f"resource {name!r} is not a {cls.__name__}")
        return found


def _settings_of[M: ModuleSettings](
    module_settings: dict[type[ModuleSettings], ModuleSettings], cls: type[M]
) -> M:
    loaded = module_settings[cls]
    if not isinstance(loaded, cls):  # pragma: no cover - the dict is keyed by class
        raise TypeError(cls)
    return loaded


def choose_providers(
    defaults: Provides, provided: Iterable[tuple[str, Provides]]
) -> dict[str, tuple[str, Any]]:
    """For each capability, `(provider name, factory)`: a module's, else core's default."""
    chosen: dict[str, tuple[str, Any]] = {}
    for module_name, provides in provided:
        for spec in fields(Provides):
            factory = getattr(provides, spec.name)
            if factory is None:
                continue
            if spec.name in chosen:
                other = chosen[spec.name][0]
                raise ServiceConflictError(
                    f"both the {other!r} and the {module_name!r} modules provide "
                    f"{spec.name!r}; enable only one of them"
                )
            chosen[spec.name] = (module_name, factory)
    for spec in fields(Provides):
        if spec.name not in chosen:
            chosen[spec.name] = ("core", getattr(defaults, spec.name))
    return chosen


def install_services(app: FastAPI, services: Services) -> None:
    app.state.services = services


def services_of(app: FastAPI) -> Services:
    """The app's container (the one place that reads `app.state`)."""
    services: Services = app.state.services
    return services


async def get_services(request: Request) -> Services:
    return services_of(request.app)


ServicesDep = Annotated[Services, Depends(get_services)]
