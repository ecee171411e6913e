"""`/api/v1/users`: changes to an account, served by auth because they touch sign-in.

A new email needs the current password and proof of the new address; a password
change needs the current password, with sign-in's lockout and rate limit; an
admin's change of someone's email, role or activation ends their sessions.
"""

from typing import Any

from fastapi import APIRouter, status

from app.auth import account
from app.auth import service as auth_service
from app.auth.account_changes import AccountChanges, AccountChangesDep
from app.auth.exceptions import LOCKED_RESPONSES
from app.core import audit
from app.core.audit import AuditAction
from app.core.context import RequestContextDep
from app.core.db import SessionDep
from app.core.dependencies import PasswordHasherDep, SettingsDep
from app.core.errors import ERROR_RESPONSES
from app.core.module import API_PREFIX
from app.core.password_policy import check_password
from app.core.permissions import AuthorizerDep, authorize
from app.core.ratelimit import RateLimiterDep
from app.users import service
from app.users.dependencies import Authenticated, CurrentAuth, TargetUser
from app.users.exceptions import OwnAccountChangeError
from app.users.models import User
from app.users.schemas import PasswordChange, UserRead, UserReplace, UserUpdate

router = APIRouter(prefix=f"{API_PREFIX}/users", tags=["users"], responses=ERROR_RESPONSES)

ADMIN_ONLY_FIELDS = ("role", "is_active")


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT, responses=LOCKED_RESPONSES)
async def change_password(
    body: PasswordChange,
    auth: CurrentAuth,
    session: SessionDep,
    hasher: PasswordHasherDep,
    settings: SettingsDep,
    context: RequestContextDep,
    limiter: RateLimiterDep,
) -> None:
    """Change your password; every other session and emailed link of yours ends.

    The current password is checked with the same rate limit and lockout as sign-in.
    """
    user = auth.user
    await limiter.hit(
        settings.rate_limit_login, f"login:ip:{context.ip_address}", f"login:account:{user.email}"
    )
    await auth_service.confirm_password(
        session, hasher, settings, context, user, body.current_password
    )
    check_password(body.new_password, email=user.email, username=user.username)
    await service.set_password(session, user, await hasher.hash(body.new_password))
    await auth_service.revoke_all_sessions(session, user.id, keep=auth.session_id)
    await account.cancel_tokens(session, user)
    audit.record(session, AuditAction.PASSWORD_CHANGED, context, actor_id=user.id)


@router.put("/{user_id}", responses=LOCKED_RESPONSES)
async def replace_user(
    body: UserReplace,
    user: TargetUser,
    auth: CurrentAuth,
    authorizer: AuthorizerDep,
    changes: AccountChangesDep,
) -> UserRead:
    """Replace the profile; `role` and `is_active` are admin-only (omit to keep).

    Your own new email works as in `PATCH /users/me`; an admin's change of
    someone else's email, role or activation ends every session of theirs.
    """
    fields = body.model_dump(exclude_none=True) | {
        "username": body.username,
        "full_name": body.full_name,
    }
    await _authorize_admin_fields(authorizer, changes, auth.user, user, fields)
    return await _apply(changes, auth, user, fields)


@router.patch("/{user_id}", responses=LOCKED_RESPONSES)
async def update_user(
    body: UserUpdate,
    user: TargetUser,
    auth: CurrentAuth,
    authorizer: AuthorizerDep,
    changes: AccountChangesDep,
) -> UserRead:
    """Change some fields; `role` and `is_active` are admin-only (see `PUT`)."""
    fields = body.model_dump(exclude_unset=True)
    await _authorize_admin_fields(authorizer, changes, auth.user, user, fields)
    return await _apply(changes, auth, user, fields)


async def _authorize_admin_fields(
    authorizer: AuthorizerDep,
    request: AccountChanges,
    current: User,
    user: User,
    changes: dict[str, Any],
) -> None:
    """Only admins change roles or activation, and never their own.

    A user cannot raise themselves, and an admin cannot lock themselves out.
    Sending the value a field already has is not a change.
    """
    if any(changes.get(f, getattr(user, f)) != getattr(user, f) for f in ADMIN_ONLY_FIELDS):
        await authorize(
            authorizer,
            current,
            "users",
            "manage",
            session=request.session,
            context=request.context,
        )
        if user.id == current.id:
            raise OwnAccountChangeError


async def _apply(
    changes: AccountChanges, auth: Authenticated, user: User, fields: dict[str, Any]
) -> UserRead:
    """Apply authorised `fields` to `user`, with what each change entails."""
    session, context, current = changes.session, changes.context, auth.user
    password = fields.pop("current_password", None)
    new_email = fields.pop("email", user.email)
    if new_email != user.email and user.id == current.id:
        await changes.request_email_change(auth, new_email, password)
    elif new_email != user.email:
        # An admin vouches for the address, as when creating a user.
        fields |= {"email": new_email, "pending_email": None, "is_verified": True}
    changed = sorted(f for f, value in fields.items() if value != getattr(user, f))
    old_role, old_email = user.role, user.email
    await service.update_user(session, user, fields)
    if user.id != current.id:
        await changes.after_admin_change(user, old_email=old_email, fields=changed)
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
