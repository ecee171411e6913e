"""`/api/v1/auth`: register, sign in, tokens and sessions."""

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, status
from fastapi.responses import JSONResponse

from app.auth import account, service
from app.auth.exceptions import InvalidTokenRequestError, UnsupportedGrantTypeError
from app.auth.schemas import (
    LoginRequest,
    RefreshRequest,
    RevokeRequest,
    SessionRead,
    TokenResponse,
)
from app.core import audit
from app.core.audit import AuditAction
from app.core.context import RequestContextDep
from app.core.db import SessionDep
from app.core.dependencies import EmailSenderDep, PasswordHasherDep, SettingsDep
from app.core.errors import ERROR_RESPONSES
from app.core.module import API_PREFIX
from app.core.ratelimit import RateLimiterDep
from app.core.schemas import Detail
from app.users import service as users_service
from app.users.dependencies import CurrentAuth, CurrentUser
from app.users.schemas import AnyPassword, UserRead, UserRegister

router = APIRouter(prefix=f"{API_PREFIX}/auth", tags=["auth"], responses=ERROR_RESPONSES)


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenResponse,
    responses={
        status.HTTP_202_ACCEPTED: {
            "model": Detail,
            "description": "`EMAIL_VERIFICATION_REQUIRED`: no tokens before the email is confirmed",
        }
    },
)
async def register(
    body: UserRegister,
    session: SessionDep,
    hasher: PasswordHasherDep,
    settings: SettingsDep,
    context: RequestContextDep,
    limiter: RateLimiterDep,
    sender: EmailSenderDep,
    background: BackgroundTasks,
) -> TokenResponse | JSONResponse:
    """Create an account, sign it in, and email a link to confirm the address.

    With `EMAIL_VERIFICATION_REQUIRED` on, no tokens: 202, and the account signs
    in once the email is confirmed.
    """
    await limiter.hit(
        settings.rate_limit_register,
        f"register:ip:{context.ip_address}",
        f"register:account:{body.email}",
    )
    user = await users_service.create_user(session, hasher, body)
    audit.record(session, AuditAction.USER_CREATED, context, actor_id=user.id, target_id=user.id)
    await account.email_link(
        session,
        settings,
        sender,
        background,
        user,
        account.TokenPurpose.VERIFY_EMAIL,
        api_url=context.base_url,
    )
    if settings.email_verification_required:
        pending = Detail(detail="Confirm the email with the link just sent, then sign in.")
        return JSONResponse(pending.model_dump(), status_code=status.HTTP_202_ACCEPTED)
    return await service.start_session(session, settings, user, context)


@router.post("/login")
async def login(
    body: LoginRequest,
    session: SessionDep,
    hasher: PasswordHasherDep,
    settings: SettingsDep,
    context: RequestContextDep,
    limiter: RateLimiterDep,
) -> TokenResponse:
    """Sign in with email and password (JSON)."""
    await _limit_login(limiter, settings.rate_limit_login, context.ip_address, body.email)
    user = await service.authenticate(
        session, hasher, settings, context, email=body.email, password=body.password
    )
    return await service.start_session(session, settings, user, context)


@router.post("/token")
async def token(
    session: SessionDep,
    hasher: PasswordHasherDep,
    settings: SettingsDep,
    context: RequestContextDep,
    limiter: RateLimiterDep,
    grant_type: Annotated[str, Form()],
    username: Annotated[str | None, Form(max_length=320)] = None,
    password: Annotated[AnyPassword | None, Form()] = None,
    refresh_token: Annotated[str | None, Form(max_length=512)] = None,
) -> TokenResponse:
    """OAuth2 token endpoint (form): `password` and `refresh_token` grants.

    Swagger's Authorize button uses it; `username` is the email.
    """
    if grant_type == "password":
        if not username or not password:
            raise InvalidTokenRequestError
        await _limit_login(limiter, settings.rate_limit_login, context.ip_address, username)
        user = await service.authenticate(
            session, hasher, settings, context, email=username, password=password
        )
        return await service.start_session(session, settings, user, context)
    if grant_type == "refresh_token":
        if not refresh_token:
            raise InvalidTokenRequestError
        await limiter.hit(settings.rate_limit_refresh, f"refresh:ip:{context.ip_address}")
        return await service.rotate_refresh_token(session, settings, context, refresh_token)
    raise UnsupportedGrantTypeError


async def _limit_login(limiter: RateLimiterDep, limit: str, ip: str | None, email: str) -> None:
    await limiter.hit(limit, f"login:ip:{ip}", f"login:account:{email.lower()}")


@router.post("/refresh")
async def refresh(
    body: RefreshRequest,
    session: SessionDep,
    settings: SettingsDep,
    context: RequestContextDep,
    limiter: RateLimiterDep,
) -> TokenResponse:
    """Spend a refresh token for a new pair. Reusing a spent one ends its session."""
    await limiter.hit(settings.rate_limit_refresh, f"refresh:ip:{context.ip_address}")
    return await service.rotate_refresh_token(session, settings, context, body.refresh_token)


@router.post("/revoke")
async def revoke(body: RevokeRequest, session: SessionDep, context: RequestContextDep) -> Detail:
    """Revoke a refresh token's session (RFC 7009): 200 whatever the token."""
    await service.revoke_refresh_token(session, context, body.token)
    return Detail(detail="The token is revoked, if it was valid.")


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(auth: CurrentAuth, session: SessionDep, context: RequestContextDep) -> None:
    """End this session; its access and refresh tokens stop working at once."""
    await service.revoke_session(session, auth.user.id, auth.session_id)
    audit.record(session, AuditAction.LOGOUT, context, actor_id=auth.user.id)


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_all(user: CurrentUser, session: SessionDep, context: RequestContextDep) -> None:
    """End every session of the current user."""
    await service.revoke_all_sessions(session, user.id)
    audit.record(session, AuditAction.LOGOUT_ALL, context, actor_id=user.id)


@router.get("/me")
async def me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)


@router.get("/sessions")
async def list_sessions(auth: CurrentAuth, session: SessionDep) -> list[SessionRead]:
    """The current user's active sessions, most recently used first."""
    sessions = await service.list_active_sessions(session, auth.user.id)
    return [
        SessionRead.model_validate(s).model_copy(update={"current": s.id == auth.session_id})
        for s in sessions
    ]


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_session(
    session_id: uuid.UUID, user: CurrentUser, session: SessionDep, context: RequestContextDep
) -> None:
    """End one of the current user's sessions."""
    await service.revoke_session(session, user.id, session_id)
    audit.record(
        session, AuditAction.SESSION_REVOKED, context, actor_id=user.id, session_id=str(session_id)
    )
