"""The auth module's `Authenticator`: access tokens checked against sign-in sessions."""

import json
import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth import service
from app.core.authentication import Authentication
from app.core.config import Settings
from app.core.models import utcnow
from app.core.security import AccessClaims, AccessTokenVerifier
from app.core.session_cache import SessionCache
from app.users.models import User


class SessionAuthenticator:
    """A valid JWT whose session is alive names the caller; one database round trip,
    or none when a read-only request finds its session in the session cache."""

    def __init__(self, settings: Settings) -> None:
        self._tokens = AccessTokenVerifier(settings)

    async def authenticate(
        self, session: AsyncSession, token: str, *, cache: SessionCache | None = None
    ) -> Authentication:
        claims = self._tokens.verify(token)
        user = await self._cached_user(session, claims, cache)
        return Authentication(principal=user, session_id=claims.session_id)

    async def _cached_user(
        self, session: AsyncSession, claims: AccessClaims, cache: SessionCache | None
    ) -> User:
        if cache is None:
            user, _ = await service.get_session_user(session, claims)
            return user
        read = await cache.read(claims.session_id, claims.user_id)
        if read.value is not None:
            return User.model_validate(json.loads(read.value))
        user, expires_at = await service.get_session_user(session, claims)
        ttl_seconds = (expires_at - utcnow()).total_seconds()
        # Never the password hash: no read-only request needs it.
        value = user.model_dump_json(exclude={"hashed_password"})
        await cache.store(read, value, ttl_seconds=ttl_seconds)
        return user

    async def end_sessions(
        self, session: AsyncSession, user_id: uuid.UUID, *, keep: uuid.UUID | None = None
    ) -> None:
        await service.revoke_all_sessions(session, user_id, keep=keep)
