"""`/api/v1/users`: admins list, create and delete accounts; users read their own.

Changes to an account (profile, email, role, activation, password) touch how it
signs in, so the auth module serves them (`app.auth.profile_router`).
"""

from fastapi import APIRouter, status

from app.core import audit
from app.core.audit import AuditAction
from app.core.context import RequestContextDep
from app.core.db import SessionDep
from app.core.dependencies import PasswordHasherDep
from app.core.errors import ERROR_RESPONSES
from app.core.module import API_PREFIX
from app.core.pagination import Page, PageParamsDep, make_page
from app.users import service
from app.users.dependencies import AdminUser, CurrentUser, TargetUser, UserFiltersDep
from app.users.schemas import (
    UserCreate,
    UserOrder,
    UserRead,
)

router = APIRouter(prefix=f"{API_PREFIX}/users", tags=["users"], responses=ERROR_RESPONSES)

ADMIN_ONLY_FIELDS = ("role", "is_active")


# Both spellings answer: a redirect to the other would be an absolute URL built from
# the request, `http://` even behind a TLS proxy.
@router.get("/")
@router.get("", include_in_schema=False)
async def list_users(
    _: AdminUser,
    session: SessionDep,
    filters: UserFiltersDep,
    params: PageParamsDep,
    order_by: UserOrder = UserOrder.CREATED_AT_DESC,
) -> Page[UserRead]:
    """List users (admin), filtered, ordered and paginated."""
    users, total = await service.list_users(session, filters, order_by, params)
    return make_page([UserRead.model_validate(u) for u in users], total, params)


@router.post("/", status_code=status.HTTP_201_CREATED)
@router.post("", status_code=status.HTTP_201_CREATED, include_in_schema=False)
async def create_user(
    body: UserCreate,
    admin: AdminUser,
    session: SessionDep,
    hasher: PasswordHasherDep,
    context: RequestContextDep,
) -> UserRead:
    """Create a user with any role (admin); the admin vouches for the email."""
    user = await service.create_user(
        session, hasher, body, role=body.role, is_active=body.is_active, is_verified=True
    )
    audit.record(session, AuditAction.USER_CREATED, context, actor_id=admin.id, target_id=user.id)
    return UserRead.model_validate(user)


# `GET /{user_id}` with `me` is the documented spelling; this route only spares it the
# target lookup. In the schema too, `/users/me` would be a path of its own whose `Allow`
# names the methods `/{user_id}` serves for `me` (PUT, PATCH, DELETE) but it does not list.
@router.get("/me", include_in_schema=False)
async def read_me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)


@router.get("/{user_id}")
async def read_user(user: TargetUser) -> UserRead:
    return UserRead.model_validate(user)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_user(
    user: TargetUser, current: CurrentUser, session: SessionDep, context: RequestContextDep
) -> None:
    """Delete an account (yourself, or anyone as an admin); its sessions go with it."""
    await service.delete_user(session, user)
    audit.record(session, AuditAction.USER_DELETED, context, actor_id=current.id, target_id=user.id)
