"""`/api/v1/users`: admins manage every account; users read and edit their own."""

from typing import Any

from fastapi import APIRouter, status

from app.core import audit
from app.core.audit import AuditAction
from app.core.authentication import AuthenticatorDep
from app.core.context import RequestContext, RequestContextDep
from app.core.db import SessionDep
from app.core.dependencies import PasswordHasherDep
from app.core.errors import ERROR_RESPONSES
from app.core.module import API_PREFIX
from app.core.pagination import Page, PageParamsDep, make_page
from app.core.permissions import AuthorizerDep, authorize
from app.users import service
from app.users.dependencies import AdminUser, CurrentAuth, CurrentUser, TargetUser, UserFiltersDep
from app.users.exceptions import OwnAccountChangeError, PasswordIsEmailError, WrongPasswordError
from app.users.models import User
from app.users.schemas import (
    PasswordChange,
    ProfileUpdate,
    UserCreate,
    UserOrder,
    UserRead,
    UserReplace,
    UserUpdate,
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


@router.get("/me")
async def read_me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)


@router.patch("/me")
async def update_me(
    body: ProfileUpdate, user: CurrentUser, session: SessionDep, context: RequestContextDep
) -> UserRead:
    """Change your own email, username or name; only the fields sent change."""
    return await _apply(session, context, user, user, body.model_dump(exclude_unset=True))


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: PasswordChange,
    auth: CurrentAuth,
    session: SessionDep,
    hasher: PasswordHasherDep,
    authenticator: AuthenticatorDep,
    context: RequestContextDep,
) -> None:
    """Change your password; every other session of yours ends."""
    valid, _ = await hasher.verify(body.current_password, auth.user.hashed_password)
    if not valid:
        raise WrongPasswordError
    if body.new_password.lower() == auth.user.email:
        raise PasswordIsEmailError
    await service.set_password(session, auth.user, await hasher.hash(body.new_password))
    await authenticator.end_sessions(session, auth.user.id, keep=auth.session_id)
    audit.record(session, AuditAction.PASSWORD_CHANGED, context, actor_id=auth.user.id)


@router.get("/{user_id}")
async def read_user(user: TargetUser) -> UserRead:
    return UserRead.model_validate(user)


@router.put("/{user_id}")
async def replace_user(
    body: UserReplace,
    user: TargetUser,
    current: CurrentUser,
    authorizer: AuthorizerDep,
    session: SessionDep,
    context: RequestContextDep,
) -> UserRead:
    """Replace the profile; `role` and `is_active` are admin-only (omit to keep)."""
    changes = body.model_dump(exclude_none=True) | {
        "username": body.username,
        "full_name": body.full_name,
    }
    await _authorize_admin_fields(authorizer, current, user, changes)
    return await _apply(session, context, current, user, changes)


@router.patch("/{user_id}")
async def update_user(
    body: UserUpdate,
    user: TargetUser,
    current: CurrentUser,
    authorizer: AuthorizerDep,
    session: SessionDep,
    context: RequestContextDep,
) -> UserRead:
    """Change some fields; `role` and `is_active` are admin-only."""
    changes = body.model_dump(exclude_unset=True)
    await _authorize_admin_fields(authorizer, current, user, changes)
    return await _apply(session, context, current, user, changes)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_user(
    user: TargetUser, current: CurrentUser, session: SessionDep, context: RequestContextDep
) -> None:
    """Delete an account (yourself, or anyone as an admin); its sessions go with it."""
    await service.delete_user(session, user)
    audit.record(session, AuditAction.USER_DELETED, context, actor_id=current.id, target_id=user.id)


async def _authorize_admin_fields(
    authorizer: AuthorizerDep, current: User, user: User, changes: dict[str, Any]
) -> None:
    """Only admins change roles or activation, and never their own.

    A user cannot raise themselves, and an admin cannot lock themselves out.
    Sending the value a field already has is not a change.
    """
    if any(changes.get(f, getattr(user, f)) != getattr(user, f) for f in ADMIN_ONLY_FIELDS):
        await authorize(authorizer, current, "users", "manage")
        if user.id == current.id:
            raise OwnAccountChangeError


async def _apply(
    session: SessionDep,
    context: RequestContext,
    current: User,
    user: User,
    changes: dict[str, Any],
) -> UserRead:
    changed = sorted(f for f, value in changes.items() if value != getattr(user, f))
    old_role = user.role
    await service.update_user(session, user, changes)
    if "role" in changed:
        audit.record(
            session,
            AuditAction.ROLE_CHANGED,
            context,
            actor_id=current.id,
            target_id=user.id,
            old=old_role,
            new=user.role,
        )
    if changed:
        audit.record(
            session,
            AuditAction.USER_UPDATED,
            context,
            actor_id=current.id,
            target_id=user.id,
            fields=changed,
        )
    return UserRead.model_validate(user)
