"""Who may do what: the `Authorizer` seam and its default, roles plus ownership.

Routes ask `authorize(...)`; they never check roles themselves. A module such as
casbin can install another `Authorizer` without touching the routes.
"""

import uuid
from enum import StrEnum
from typing import Annotated, Protocol

from fastapi import Depends, Request

from app.core.errors import ForbiddenError


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


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
    """Admins may do everything; everyone else only what concerns things they own."""

    async def is_allowed(
        self, principal: Principal, obj: str, action: str, *, owner_id: uuid.UUID | None = None
    ) -> bool:
        if principal.role == Role.ADMIN:
            return True
        return owner_id is not None and owner_id == principal.id


def get_authorizer(request: Request) -> Authorizer:
    authorizer: Authorizer = request.app.state.authorizer
    return authorizer


AuthorizerDep = Annotated[Authorizer, Depends(get_authorizer)]


async def authorize(
    authorizer: Authorizer,
    principal: Principal,
    obj: str,
    action: str,
    *,
    owner_id: uuid.UUID | None = None,
) -> None:
    """Raise `ForbiddenError` unless the authorizer allows the action."""
    if not await authorizer.is_allowed(principal, obj, action, owner_id=owner_id):
        raise ForbiddenError
