"""`/api/v1/auth`: register, sign in, tokens and sessions."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Response, status

from app.auth import service
from app.auth.dependencies import ClientInfoDep, CurrentAuth, CurrentUser
from app.auth.exceptions import InvalidTokenRequestError, UnsupportedGrantTypeError
from app.auth.schemas import (
    LoginRequest,
    LoginResponse,
    RefreshRequest,
    RegisterResponse,
    RevokeRequest,
    SessionRead,
    TokenPair,
)
from app.core.db import SessionDep
from app.core.dependencies import PasswordHasherDep, SettingsDep
from app.core.errors import ERROR_RESPONSES
from app.core.module import API_PREFIX
from app.users import service as users_service
from app.users.schemas import AnyPassword, UserRead, UserRegister

router = APIRouter(prefix=f"{API_PREFIX}/auth", tags=["auth"], responses=ERROR_RESPONSES)


@router.post("/register", status_code=status.HTTP_201_CREATED)
async def register(
    body: UserRegister,
    session: SessionDep,
    hasher: PasswordHasherDep,
    settings: SettingsDep,
    client: ClientInfoDep,
) -> RegisterResponse:
    """Create an account and sign it in."""
    user = await users_service.create_user(session, hasher, body)
    tokens = await service.start_session(session, settings, user, client)
    return RegisterResponse(user=UserRead.model_validate(user), tokens=tokens)


@router.post("/login")
async def login(
    body: LoginRequest,
    session: SessionDep,
    hasher: PasswordHasherDep,
    settings: SettingsDep,
    client: ClientInfoDep,
) -> LoginResponse:
    """Sign in with email and password (JSON)."""
    user = await service.authenticate(session, hasher, body.email, body.password)
    tokens = await service.start_session(session, settings, user, client)
    return LoginResponse(**tokens.model_dump(), user=UserRead.model_validate(user))


@router.post("/token")
async def token(
    session: SessionDep,
    hasher: PasswordHasherDep,
    settings: SettingsDep,
    client: ClientInfoDep,
    grant_type: Annotated[str, Form()],
    username: Annotated[str | None, Form(max_length=320)] = None,
    password: Annotated[AnyPassword | None, Form()] = None,
    refresh_token: Annotated[str | None, Form(max_length=512)] = None,
) -> TokenPair:
    """OAuth2 token endpoint (form): `password` and `refresh_token` grants.

    Swagger's Authorize button uses it; `username` is the email.
    """
    if grant_type == "password":
        if not username or not password:
            raise InvalidTokenRequestError
        user = await service.authenticate(session, hasher, username, password)
        return await service.start_session(session, settings, user, client)
    if grant_type == "refresh_token":
        if not refresh_token:
            raise InvalidTokenRequestError
        return await service.rotate_refresh_token(session, settings, refresh_token)
    raise UnsupportedGrantTypeError


@router.post("/refresh")
async def refresh(body: RefreshRequest, session: SessionDep, settings: SettingsDep) -> TokenPair:
    """Spend a refresh token for a new pair. Reusing a spent one ends its session."""
    return await service.rotate_refresh_token(session, settings, body.refresh_token)


@router.post("/revoke", response_class=Response)
async def revoke(body: RevokeRequest, session: SessionDep) -> Response:
    """Revoke a refresh token's session (RFC 7009): 200 whatever the token."""
    await service.revoke_refresh_token(session, body.token)
    return Response(status_code=status.HTTP_200_OK)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(auth: CurrentAuth, session: SessionDep) -> None:
    """End this session; its access and refresh tokens stop working at once."""
    await service.revoke_session(session, auth.user.id, auth.session_id)


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_all(user: CurrentUser, session: SessionDep) -> None:
    """End every session of the current user."""
    await service.revoke_all_sessions(session, user.id)


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
async def delete_session(session_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> None:
    """End one of the current user's sessions."""
    await service.revoke_session(session, user.id, session_id)
