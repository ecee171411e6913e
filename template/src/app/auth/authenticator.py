"""The auth module's `Authenticator`: access tokens checked against sign-in sessions."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth import service
from app.core.authentication import Authentication
from app.core.config import Settings
from app.core.security import decode_access_token


class SessionAuthenticator:
    """A valid JWT whose session is alive names the caller; one database round trip."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def authenticate(self, session: AsyncSession, token: str) -> Authentication:
        claims = decode_access_token(self._settings, token)
        user = await service.get_session_user(session, claims)
        return Authentication(principal=user, session_id=claims.session_id)

    async def end_sessions(
        self, session: AsyncSession, user_id: uuid.UUID, *, keep: uuid.UUID | None = None
    ) -> None:
        await service.revoke_all_sessions(session, user_id, keep=keep)
