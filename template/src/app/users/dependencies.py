"""Dependencies of the users routes, and `CurrentUser` for every module."""

import uuid
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Path, Query

from app.core.authentication import AuthenticationDep, require_permission
from app.core.context import RequestContextDep
from app.core.db import SessionDep
from app.core.permissions import AuthorizerDep, authorize
from app.users import service
from app.users.models import User
from app.users.schemas import UserFilters


@dataclass(frozen=True, slots=True)
class Authenticated:
    """The signed-in user and the session their token belongs to."""

    user: User
    session_id: uuid.UUID


async def get_authenticated(authentication: AuthenticationDep) -> Authenticated:
    """The caller, from the bearer token (checked by the auth module's authenticator)."""
    user = authentication.principal
    if not isinstance(user, User):  # pragma: no cover - an authenticator returning non-users
        raise TypeError("the authenticator must return a users.models.User")
    return Authenticated(user=user, session_id=authentication.session_id)


async def get_current_user(auth: Annotated[Authenticated, Depends(get_authenticated)]) -> User:
    return auth.user


CurrentAuth = Annotated[Authenticated, Depends(get_authenticated)]
CurrentUser = Annotated[User, Depends(get_current_user)]


# Every per-user path takes `me` for the caller, so a client need not look its own id up.
UserIdOrMe = Annotated[
    uuid.UUID | Literal["me"], Path(description="A user's id, or `me` for yourself")
]


async def get_path_user_id(user_id: UserIdOrMe, current: CurrentUser) -> uuid.UUID:
    """The path's `user_id`, with `me` read as the caller's own id."""
    return user_id if isinstance(user_id, uuid.UUID) else current.id


PathUserId = Annotated[uuid.UUID, Depends(get_path_user_id)]


async def get_target_user(
    user_id: PathUserId,
    current: CurrentUser,
    authorizer: AuthorizerDep,
    session: SessionDep,
    context: RequestContextDep,
) -> User:
    """The user named in the path, if the caller is that user or an admin.

    Permission is checked before the lookup, so a refusal says nothing about
    whether the id exists.
    """
    await authorize(
        authorizer, current, "users", "read", owner_id=user_id, session=session, context=context
    )
    if user_id == current.id:
        return current
    return await service.get_user(session, user_id)


async def require_admin(
    current: CurrentUser, _: Annotated[object, require_permission("users", "manage")]
) -> User:
    return current


TargetUser = Annotated[User, Depends(get_target_user)]
AdminUser = Annotated[User, Depends(require_admin)]
UserFiltersDep = Annotated[UserFilters, Query()]
