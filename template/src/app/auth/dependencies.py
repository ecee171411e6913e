"""`CurrentUser` and friends: who is calling, from the bearer token."""

import uuid
from dataclasses import dataclass
from typing import Annotated

import structlog
from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from app.auth.service import get_session_user
from app.core.db import SessionDep
from app.core.dependencies import SettingsDep
from app.core.errors import NotAuthenticatedError
from app.core.module import API_PREFIX
from app.core.security import decode_access_token
from app.users.models import User

# auto_error=False: a missing token gets the error envelope, not FastAPI's default.
bearer_token = OAuth2PasswordBearer(tokenUrl=f"{API_PREFIX}/auth/token", auto_error=False)


@dataclass(frozen=True, slots=True)
class Authenticated:
    user: User
    session_id: uuid.UUID


async def get_authenticated(
    token: Annotated[str | None, Depends(bearer_token)],
    settings: SettingsDep,
    session: SessionDep,
) -> Authenticated:
    if not token:
        raise NotAuthenticatedError
    claims = decode_access_token(settings, token)
    user = await get_session_user(session, claims)
    # Every later log line of this request says who made it.
    structlog.contextvars.bind_contextvars(user_id=str(user.id))
    return Authenticated(user=user, session_id=claims.session_id)


async def get_current_user(auth: Annotated[Authenticated, Depends(get_authenticated)]) -> User:
    return auth.user


CurrentAuth = Annotated[Authenticated, Depends(get_authenticated)]
CurrentUser = Annotated[User, Depends(get_current_user)]
