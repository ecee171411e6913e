"""Lockout: too many failed sign-ins for one email lock it for a while.

Counted per email, existing or not, so the locked answer reveals nothing.
Unlocked by time, by a successful sign-in's reset, by a password reset, or by
an admin.
"""

import math
from datetime import timedelta

from sqlmodel import delete
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.exceptions import AccountLockedError
from app.auth.models import LoginAttempts
from app.core.config import Settings
from app.core.models import utcnow


async def ensure_not_locked(session: AsyncSession, email: str) -> LoginAttempts | None:
    """Refuse a locked email; return its failure record, if it has one."""
    attempts = await session.get(LoginAttempts, email)
    if attempts is not None and attempts.locked_until is not None:
        remaining = (attempts.locked_until - utcnow()).total_seconds()
        if remaining > 0:
            raise AccountLockedError(retry_after=math.ceil(remaining))
    return attempts


async def record_failure(session: AsyncSession, settings: Settings, email: str) -> bool:
    """Count a failed sign-in; return True when this failure locks the email."""
    now = utcnow()
    attempts = await session.get(LoginAttempts, email)
    window = timedelta(minutes=settings.lockout_window_minutes)
    if attempts is None or attempts.window_started_at + window <= now:
        attempts = attempts or LoginAttempts(email=email)
        attempts.failed_count, attempts.window_started_at, attempts.locked_until = 0, now, None
    attempts.failed_count += 1
    locks = attempts.failed_count >= settings.lockout_threshold
    if locks:
        attempts.locked_until = now + timedelta(minutes=settings.lockout_minutes)
        attempts.failed_count = 0
        attempts.window_started_at = now
    session.add(attempts)
    return locks


async def clear(session: AsyncSession, email: str) -> bool:
    """Forget the email's failures and lock; return True if there were any."""
    result = await session.exec(delete(LoginAttempts).where(LoginAttempts.email == email))  # type: ignore[arg-type]
    return result.rowcount > 0
