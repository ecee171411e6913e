"""Sign-in, sessions and token rotation. Never commits; the request's session does."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import bindparam, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth import lockout
from app.auth.exceptions import (
    AccountDisabledError,
    EmailNotVerifiedError,
    InvalidCredentialsError,
    RefreshTokenInvalidError,
    SessionNotFoundError,
    TokenRevokedError,
)
from app.auth.models import AuthSession, LoginAttempts, RefreshToken
from app.auth.schemas import TokenResponse
from app.core import audit
from app.core.audit import AuditAction
from app.core.config import Settings
from app.core.context import RequestContext
from app.core.db import release_connection
from app.core.models import utcnow
from app.core.passwords import PasswordHasher
from app.core.security import (
    AccessClaims,
    TokenExpiredError,
    create_access_token,
    hash_opaque_token,
    new_opaque_token,
)
from app.core.session_cache import forget_after_commit
from app.users.exceptions import WrongPasswordError
from app.users.models import User
from app.users.schemas import UserRead
from app.users.service import get_user_by_email


class TokenReusedError(TokenRevokedError):
    detail = "This refresh token was already used; the session has been ended."
    # The revocation must be saved although the request fails.
    commit_changes = True


async def authenticate(
    session: AsyncSession,
    hasher: PasswordHasher,
    settings: Settings,
    context: RequestContext,
    *,
    email: str,
    password: str,
) -> User:
    """The active user with these credentials; the same work whether or not they exist."""
    email = email.lower()
    attempts = await lockout.ensure_not_locked(session, email, context.ip_address)
    user = await get_user_by_email(session, email)
    # Sign-ins queue for the hasher; holding a pooled connection while they wait would
    # starve every other request of connections during a sign-in storm.
    await release_connection(session)
    valid, new_hash = await hasher.verify(password, user.hashed_password if user else None)
    if user is None or not valid:
        target_id = user.id if user else None
        audit.record(session, AuditAction.LOGIN_FAILED, context, target_id=target_id, email=email)
        await _count_failure(session, settings, context, email, attempts, target_id)
        raise InvalidCredentialsError
    if not user.is_active:
        raise AccountDisabledError
    if settings.email_verification_required and not user.is_verified:
        raise EmailNotVerifiedError
    if new_hash is not None:  # an old scheme or cost: upgrade while we have the password
        user.hashed_password = new_hash
    user.last_login_at = utcnow()
    session.add(user)
    await lockout.forget_client(session, attempts, context.ip_address)
    audit.record(session, AuditAction.LOGIN_SUCCEEDED, context, actor_id=user.id)
    return user


async def confirm_password(
    session: AsyncSession,
    hasher: PasswordHasher,
    settings: Settings,
    context: RequestContext,
    user: User,
    password: str,
) -> None:
    """Check a signed-in user's current password, with the same lockout as sign-in.

    A stolen access token must not become a way to guess the password.
    """
    attempts = await lockout.ensure_not_locked(session, user.email, context.ip_address)
    valid, _ = await hasher.verify(password, user.hashed_password)
    if not valid:
        audit.record(
            session, AuditAction.LOGIN_FAILED, context, target_id=user.id, email=user.email
        )
        await _count_failure(session, settings, context, user.email, attempts, user.id)
        raise WrongPasswordError


async def _count_failure(
    session: AsyncSession,
    settings: Settings,
    context: RequestContext,
    email: str,
    attempts: list[LoginAttempts],
    target_id: uuid.UUID | None,
) -> None:
    if await lockout.record_failure(session, settings, email, context.ip_address, attempts):
        audit.record(session, AuditAction.ACCOUNT_LOCKED, context, target_id=target_id)


async def start_session(
    session: AsyncSession, settings: Settings, user: User, context: RequestContext
) -> TokenResponse:
    now = utcnow()
    auth_session = AuthSession(
        user_id=user.id,
        created_at=now,
        expires_at=_expiry(settings, started=now, now=now),
        ip_address=context.ip_address,
        user_agent=context.user_agent,
    )
    session.add(auth_session)
    # Written before its first refresh token, which refers to it.
    await session.flush()
    return _issue_tokens(session, settings, auth_session, user)


async def rotate_refresh_token(
    session: AsyncSession, settings: Settings, context: RequestContext, refresh_token: str
) -> TokenResponse:
    """Spend `refresh_token` and issue the next pair of its session."""
    row = (
        await session.exec(
            select(RefreshToken, AuthSession, User)
            .join(AuthSession, col(AuthSession.id) == RefreshToken.session_id)
            .join(User, col(User.id) == AuthSession.user_id)
            .where(RefreshToken.token_hash == hash_opaque_token(refresh_token))
        )
    ).first()
    if row is None:
        raise RefreshTokenInvalidError
    token, auth_session, user = row
    now = utcnow()
    if auth_session.revoked_at is not None:
        raise TokenRevokedError
    expires_at = _expiry(settings, started=auth_session.created_at, now=now)
    if auth_session.expires_at <= now or expires_at <= now:
        raise TokenExpiredError
    if not user.is_active:
        raise AccountDisabledError
    # Spend the token with a conditional update, so two concurrent refreshes
    # with the same token cannot both succeed.
    spent = await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.id) == token.id, col(RefreshToken.used_at).is_(None))
        .values(used_at=now)
    )
    if spent.rowcount != 1:
        auth_session.revoked_at = now
        session.add(auth_session)
        forget_after_commit(session, session_ids=[auth_session.id])
        audit.record(
            session,
            AuditAction.REFRESH_TOKEN_REUSED,
            context,
            target_id=user.id,
            session_id=str(auth_session.id),
        )
        raise TokenReusedError
    auth_session.last_used_at = now
    auth_session.expires_at = expires_at
    session.add(auth_session)
    return _issue_tokens(session, settings, auth_session, user)


def _expiry(settings: Settings, *, started: datetime, now: datetime) -> datetime:
    """Idle timeout from now, but never past the session's absolute lifetime."""
    idle = now + timedelta(days=settings.refresh_token_expire_days)
    return min(idle, started + timedelta(days=settings.session_max_lifetime_days))


def _issue_tokens(
    session: AsyncSession, settings: Settings, auth_session: AuthSession, user: User
) -> TokenResponse:
    refresh_token = new_opaque_token()
    session.add(
        RefreshToken(session_id=auth_session.id, token_hash=hash_opaque_token(refresh_token))
    )
    access = create_access_token(settings, user_id=auth_session.user_id, session_id=auth_session.id)
    return TokenResponse(
        access_token=access.token,
        refresh_token=refresh_token,
        expires_in=access.expires_in,
        user=UserRead.model_validate(user),
    )


async def revoke_refresh_token(
    session: AsyncSession, context: RequestContext, refresh_token: str
) -> None:
    """End the session of `refresh_token`, if it is one (RFC 7009: no error otherwise)."""
    row = (
        await session.exec(
            select(AuthSession.id, AuthSession.user_id)
            .join(RefreshToken, col(RefreshToken.session_id) == AuthSession.id)
            .where(RefreshToken.token_hash == hash_opaque_token(refresh_token))
        )
    ).first()
    if row is not None and await _revoke_where(session, col(AuthSession.id) == row[0]):
        forget_after_commit(session, session_ids=[row[0]])
        audit.record(
            session, AuditAction.SESSION_REVOKED, context, target_id=row[1], session_id=str(row[0])
        )


async def revoke_session(session: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID) -> None:
    """End one of the user's active sessions; 404 for anything else."""
    ended = await _revoke_where(
        session, col(AuthSession.id) == session_id, col(AuthSession.user_id) == user_id
    )
    if ended == 0:
        raise SessionNotFoundError
    forget_after_commit(session, session_ids=[session_id])


async def revoke_all_sessions(
    session: AsyncSession, user_id: uuid.UUID, *, keep: uuid.UUID | None = None
) -> None:
    """End every session of the user, except `keep` when given."""
    conditions = [col(AuthSession.user_id) == user_id]
    if keep is not None:
        conditions.append(col(AuthSession.id) != keep)
    await _revoke_where(session, *conditions)
    # The kept session's entry goes too: it holds the user, who may have changed.
    forget_after_commit(session, user_ids=[user_id])


async def _revoke_where(session: AsyncSession, *conditions: object) -> int:
    result = await session.exec(
        update(AuthSession)
        .where(col(AuthSession.revoked_at).is_(None), *conditions)  # type: ignore[arg-type]
        .values(revoked_at=utcnow())
    )
    return result.rowcount


async def list_active_sessions(session: AsyncSession, user_id: uuid.UUID) -> list[AuthSession]:
    result = await session.exec(
        select(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            col(AuthSession.revoked_at).is_(None),
            AuthSession.expires_at > utcnow(),
        )
        .order_by(col(AuthSession.last_used_at).desc())
    )
    return list(result.all())


# Built once: the hot path of every authenticated request only binds its values.
_SESSION_USER = (
    select(User, AuthSession.expires_at)
    .join(AuthSession, col(AuthSession.user_id) == User.id)
    .where(
        AuthSession.id == bindparam("session_id"),
        AuthSession.user_id == bindparam("user_id"),
        col(AuthSession.revoked_at).is_(None),
        AuthSession.expires_at > bindparam("now"),
    )
)


async def get_session_user(session: AsyncSession, claims: AccessClaims) -> tuple[User, datetime]:
    """The user of a live session and when it ends, in one round trip; the hot path."""
    values = {"session_id": claims.session_id, "user_id": claims.user_id, "now": utcnow()}
    row = (await session.exec(_SESSION_USER, params=values)).first()
    if row is None:
        raise TokenRevokedError
    user, expires_at = row
    if not user.is_active:
        raise AccountDisabledError
    return user, expires_at
