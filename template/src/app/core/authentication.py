"""Who is calling: the bearer token, and the `Authenticator` seam that resolves it.

Core knows how a request carries its credentials; the auth module provides the
`Authenticator` that checks them against sign-in sessions. Every guarded route
depends on `AuthenticationDep` (directly, or through `CurrentUser` or
`require_permission`), so the token is checked once per request.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

import structlog
from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.routing import BaseRoute

from app.core.context import RequestContextDep
from app.core.db import ReadOnlySessionDep, SessionDep
from app.core.errors import NotAuthenticatedError
from app.core.module import API_PREFIX
from app.core.permissions import (
    AuthorizerDep,
    Permission,
    Principal,
    UnknownPermissionError,
    authorize,
)
from app.core.services import Services, ServicesDep
from app.core.session_cache import SessionCache

# auto_error=False: a missing token gets the error envelope, not FastAPI's default.
bearer_token = OAuth2PasswordBearer(tokenUrl=f"{API_PREFIX}/auth/token", auto_error=False)
# Requests that change nothing (RFC 9110 safe methods that carry a bearer token).
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True, slots=True)
class Authentication:
    """A verified caller and the sign-in session their token belongs to."""

    principal: Principal
    session_id: uuid.UUID


class Authenticator(Protocol):
    async def authenticate(
        self, session: AsyncSession, token: str, *, cache: SessionCache | None = None
    ) -> Authentication:
        """The caller of `token`; raise an `AppError` (401/403) when it is not valid.

        `cache` is given only to read-only requests: the authenticator may answer
        from it, and must keep it filled with what the database said.
        """
        ...

    async def end_sessions(
        self, session: AsyncSession, user_id: uuid.UUID, *, keep: uuid.UUID | None = None
    ) -> None:
        """Sign the user out everywhere (except session `keep`), e.g. after a credential change."""
        ...


class NoAuthenticator:
    """The default when no module signs people in: every caller is anonymous."""

    async def authenticate(
        self, session: AsyncSession, token: str, *, cache: SessionCache | None = None
    ) -> Authentication:
        raise NotAuthenticatedError

    async def end_sessions(
        self, session: AsyncSession, user_id: uuid.UUID, *, keep: uuid.UUID | None = None
    ) -> None:
        return None


async def get_authenticator(services: ServicesDep) -> Authenticator:
    return services.authenticator


AuthenticatorDep = Annotated[Authenticator, Depends(get_authenticator)]


async def get_authentication(
    token: str | None,
    services: Services,
    session: AsyncSession,
    *,
    cache: SessionCache | None = None,
) -> Authentication:
    """The caller of `token`; `cache` only for a request that changes nothing."""
    if not token:
        raise NotAuthenticatedError
    authentication = await services.authenticator.authenticate(session, token, cache=cache)
    # Every later log line of this request says who made it.
    structlog.contextvars.bind_contextvars(user_id=str(authentication.principal.id))
    return authentication


async def get_request_authentication(
    request: Request,
    token: Annotated[str | None, Depends(bearer_token)],
    services: ServicesDep,
    session: SessionDep,
    lookup: ReadOnlySessionDep,
) -> Authentication:
    if request.method not in READ_ONLY_METHODS:
        # A write always asks the database, in the request's own transaction.
        return await get_authentication(token, services, session)
    # A read may be answered by the session cache, else by one query outside a transaction.
    return await get_authentication(token, services, lookup, cache=services.session_cache)


AuthenticationDep = Annotated[Authentication, Depends(get_request_authentication)]


def require_permission(obj: str, action: str) -> Any:
    """A dependency that lets the request through only if the caller may `action` on `obj`.

    For permissions that do not depend on who owns the thing (admin endpoints);
    routes that check ownership call `authorize(...)` with `owner_id` instead.
    Use it as `_: Annotated[Principal, require_permission("audit_events", "read")]`
    or in a router's `dependencies=[...]`.
    """

    async def check(
        authentication: AuthenticationDep,
        authorizer: AuthorizerDep,
        session: SessionDep,
        context: RequestContextDep,
    ) -> Principal:
        principal = authentication.principal
        await authorize(authorizer, principal, obj, action, session=session, context=context)
        return principal

    check.required_permission = f"{obj}:{action}"  # type: ignore[attr-defined]
    return Depends(check)


def refuse_undeclared_permissions(
    routes: Iterable[BaseRoute], permissions: Iterable[Permission]
) -> None:
    """Stop the start when a route requires a permission that no module declares (a typo)."""
    required: set[str] = set()
    pending: list[Dependant] = [route.dependant for route in routes if isinstance(route, APIRoute)]
    while pending:
        dependant = pending.pop()
        if name := getattr(dependant.call, "required_permission", None):
            required.add(name)
        pending.extend(dependant.dependencies)
    if undeclared := required - {permission.name for permission in permissions}:
        raise UnknownPermissionError(
            f"routes require permissions no module declares: {', '.join(sorted(undeclared))}"
        )
