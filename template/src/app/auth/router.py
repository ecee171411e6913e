"""`/api/v1/auth`: register, sign in, tokens and sessions."""

import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, status
from fastapi.responses import JSONResponse

from app.auth import account, service
from app.auth.browser import AccessTokenDep, SignInDep
from app.auth.exceptions import (
    AccountDisabledError,
    InvalidGrantError,
    InvalidTokenRequestError,
    UnsupportedGrantTypeError,
)
from app.auth.schemas import (
    BrowserTokenResponse,
    LoginRequest,
    RefreshRequest,
    RevokeRequest,
    SessionRead,
    TokenResponse,
)
from app.auth.sign_in_codes import redeem_sign_in_code
from app.core import audit
from app.core.audit import AuditAction
from app.core.context import RequestContextDep
from app.core.db import SessionDep
from app.core.dependencies import EmailSenderDep, PasswordHasherDep, SettingsDep
from app.core.errors import ERROR_RESPONSES
from app.core.module import API_PREFIX
from app.core.ratelimit import RateLimiterDep
from app.core.schemas import Detail
from app.core.services import ServicesDep
from app.users import service as users_service
from app.users.dependencies import CurrentAuth, CurrentUser
from app.users.models import User
from app.users.schemas import AnyPassword, UserRead, UserRegister

router = APIRouter(prefix=f"{API_PREFIX}/auth", tags=["auth"], responses=ERROR_RESPONSES)


REGISTER_ACCEPTED = "Check your inbox: we sent a message to this address."


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenResponse | BrowserTokenResponse,
    responses={
        status.HTTP_202_ACCEPTED: {
            "model": Detail,
            "description": "With `EMAIL_VERIFICATION_REQUIRED`: the same for a new or taken email",
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
    sign_in: SignInDep,
) -> TokenResponse | BrowserTokenResponse | JSONResponse:
    """Create an account and email a link to confirm the address.

    Without `EMAIL_VERIFICATION_REQUIRED` (development): 201, signed in at once;
    a taken email is 409 `EMAIL_TAKEN`. With it (the production default): 202
    and the same answer, after the same work, for a new or a taken email; the
    owner of a taken one is told by email (ASVS 6.3.8).
    """
    await limiter.hit(
        settings.rate_limit_register,
        f"register:ip:{context.ip_address}",
        f"register:account:{body.email}",
    )
    if settings.email_verification_required:
        existing = await users_service.get_user_by_email(session, body.email)
        if existing is None:
            await _create_account(session, hasher, settings, context, sender, background, body)
        else:
            # The hash a new account costs, so the answer's timing says nothing.
            await hasher.hash(body.password)
            account.email_notice(
                settings, sender, background, existing.email, "account_exists", "Your email address"
            )
        accepted = Detail(detail=REGISTER_ACCEPTED).model_dump()
        return JSONResponse(accepted, status_code=status.HTTP_202_ACCEPTED)
    user = await _create_account(session, hasher, settings, context, sender, background, body)
    return await sign_in.start(user)


async def _create_account(
    session: SessionDep,
    hasher: PasswordHasherDep,
    settings: SettingsDep,
    context: RequestContextDep,
    sender: EmailSenderDep,
    background: BackgroundTasks,
    body: UserRegister,
) -> User:
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
    return user


@router.post("/login")
async def login(
    body: LoginRequest,
    session: SessionDep,
    hasher: PasswordHasherDep,
    settings: SettingsDep,
    context: RequestContextDep,
    limiter: RateLimiterDep,
    sign_in: SignInDep,
) -> TokenResponse | BrowserTokenResponse:
    """Sign in with email and password (JSON).

    With `X-Auth-Transport: cookie` the refresh token is set as an HttpOnly cookie
    instead of answered.
    """
    await _limit_login(limiter, settings.rate_limit_login, context.ip_address, body.email)
    user = await service.authenticate(
        session, hasher, settings, context, email=body.email, password=body.password
    )
    return await sign_in.start(user)


@router.post("/token")
async def token(
    session: SessionDep,
    hasher: PasswordHasherDep,
    settings: SettingsDep,
    context: RequestContextDep,
    limiter: RateLimiterDep,
    grant_type: Annotated[str, Form()],
    sign_in: SignInDep,
    services: ServicesDep,
    username: Annotated[str | None, Form(max_length=320)] = None,
    password: Annotated[AnyPassword | None, Form()] = None,
    refresh_token: Annotated[str | None, Form(max_length=512)] = None,
    code: Annotated[str | None, Form(max_length=512)] = None,
) -> TokenResponse | BrowserTokenResponse:
    """OAuth2 token endpoint (form): `password`, `refresh_token`, `authorization_code`.

    Swagger's Authorize button uses it; `username` is the email. The
    `authorization_code` grant spends the one-time `code` a social sign-in
    redirected the browser with; with `X-Auth-Transport: cookie` its refresh
    token is set as an HttpOnly cookie instead of answered.
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
    if grant_type == "authorization_code":
        if not code:
            raise InvalidTokenRequestError
        await limiter.hit(settings.rate_limit_login, f"login:ip:{context.ip_address}")
        user_id = await redeem_sign_in_code(services.ephemeral_store, code)
        coded = await session.get(User, user_id) if user_id is not None else None
        if coded is None:
            raise InvalidGrantError
        if not coded.is_active:
            raise AccountDisabledError
        return await sign_in.start(coded)
    raise UnsupportedGrantTypeError


async def _limit_login(limiter: RateLimiterDep, limit: str, ip: str | None, email: str) -> None:
    await limiter.hit(limit, f"login:ip:{ip}", f"login:account:{email.lower()}")


@router.post("/refresh")
async def refresh(
    settings: SettingsDep,
    context: RequestContextDep,
    limiter: RateLimiterDep,
    sign_in: SignInDep,
    body: RefreshRequest | None = None,
) -> TokenResponse | BrowserTokenResponse:
    """Spend a refresh token for a new pair. Reusing a spent one ends its session.

    The body is required, except with `X-Auth-Transport: cookie`: then the cookie's
    refresh token is spent and the next one set in its place.
    """
    await limiter.hit(settings.rate_limit_refresh, f"refresh:ip:{context.ip_address}")
    return await sign_in.rotate(body.refresh_token if body else None)


@router.post("/revoke")
async def revoke(body: RevokeRequest, session: SessionDep, context: RequestContextDep) -> Detail:
    """Revoke a refresh token's session (RFC 7009): 200 whatever the token."""
    await service.revoke_refresh_token(session, context, body.token)
    return Detail(detail="The token is revoked, if it was valid.")


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(access_token: AccessTokenDep, sign_in: SignInDep) -> None:
    """End this session; its access and refresh tokens stop working at once.

    With `X-Auth-Transport: cookie`, the cookie's session ends (no access token
    needed) and the cookie is cleared.
    """
    await sign_in.end(access_token)


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_all(
    user: CurrentUser, session: SessionDep, context: RequestContextDep, sign_in: SignInDep
) -> None:
    """End every session of the current user (and clear the cookie, if it is used)."""
    await service.revoke_all_sessions(session, user.id)
    audit.record(session, AuditAction.LOGOUT_ALL, context, actor_id=user.id)
    sign_in.forget()


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
