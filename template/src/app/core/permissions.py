"""Who may do what: the `Authorizer` seam and its default, grants per role plus ownership.

Each module declares the object/action names it guards as `Permission`s, with
a default grant per role: `ANY` (every such thing) or `OWN` (only what the
caller owns). Routes ask `authorize(...)`, or depend on `require_permission(...)`
(`app.core.authentication`); they never check roles themselves. A module such
as casbin can provide another `Authorizer` without touching the routes.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Protocol

from fastapi import Depends
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import audit
from app.core.audit import AuditAction
from app.core.context import RequestContext
from app.core.errors import ForbiddenError
from app.core.services import ServicesDep


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


class Scope(StrEnum):
    """How far a grant reaches."""

    OWN = "own"  # only things the caller owns
    ANY = "any"  # everything of that kind


@dataclass(frozen=True, slots=True)
class Permission:
    """An object/action pair a module guards, and each role's default grant."""

    obj: str
    action: str
    grants: Mapping[str, Scope]

    @property
    def name(self) -> str:
        return f"{self.obj}:{self.action}"


class PermissionDeniedError(ForbiddenError):
    """The authorizer refused; the refusal's audit event is saved with the answer."""

    commit_changes = True


class UnknownPermissionError(LookupError):
    """A route asked about a permission no module declares: a programming error."""


class Principal(Protocol):
    """Whoever makes the request (the current user)."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def role(self) -> str: ...


class Authorizer(Protocol):
    async def is_allowed(
        self, principal: Principal, obj: str, action: str, *, owner_id: uuid.UUID | None = None
    ) -> bool:
        """May `principal` do `action` on `obj` (owned by `owner_id`, if any)?"""
        ...


class RoleOwnershipAuthorizer:
    """The default: each module's declared grants, by role and ownership."""

    def __init__(self, permissions: Iterable[Permission]) -> None:
        self._grants = {(p.obj, p.action): p.grants for p in permissions}

    async def is_allowed(
        self, principal: Principal, obj: str, action: str, *, owner_id: uuid.UUID | None = None
    ) -> bool:
        grants = self._grants.get((obj, action))
        if grants is None:
            raise UnknownPermissionError(f"no module declares the permission {obj}:{action}")
        scope = grants.get(principal.role)
        if scope is Scope.ANY:
            return True
        return scope is Scope.OWN and owner_id is not None and owner_id == principal.id


def collect_permissions(declared: Iterable[tuple[str, Permission]]) -> tuple[Permission, ...]:
    """Every module's permissions; the same name declared twice stops the app at start."""
    owners: dict[str, str] = {}
    declared = list(declared)
    for module_name, permission in declared:
        if permission.name in owners:
            raise ValueError(
                f"the permission {permission.name} is declared by both the "
                f"{owners[permission.name]!r} and the {module_name!r} modules"
            )
        owners[permission.name] = module_name
    return tuple(permission for _, permission in declared)


async def get_authorizer(services: ServicesDep) -> Authorizer:
    return services.authorizer


AuthorizerDep = Annotated[Authorizer, Depends(get_authorizer)]


async def authorize(
    authorizer: Authorizer,
    principal: Principal,
    obj: str,
    action: str,
    *,
    owner_id: uuid.UUID | None = None,
    session: AsyncSession,
    context: RequestContext,
) -> None:
    """Raise `PermissionDeniedError` (403) unless the authorizer allows the action.

    Call it before changing anything: the refusal's audit event is committed.
    """
    if not await authorizer.is_allowed(principal, obj, action, owner_id=owner_id):
        record_denial(session, context, principal, obj, action, owner_id=owner_id)
        raise PermissionDeniedError


def record_denial(
    session: AsyncSession,
    context: RequestContext,
    principal: Principal,
    obj: str,
    action: str,
    *,
    owner_id: uuid.UUID | None = None,
) -> None:
    """Add `permission_denied` to the audit log; the error raised next must commit it."""
    audit.record(
        session,
        AuditAction.PERMISSION_DENIED,
        context,
        actor_id=principal.id,
        target_id=owner_id,
        permission=f"{obj}:{action}",
    )
