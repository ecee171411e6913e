"""Lockout: too many failed sign-ins lock an email for a while.

Two counters per email, existing or not, so a locked answer reveals nothing:

- per (email, client IP): `LOCKOUT_THRESHOLD` failures lock the email for that
  client only, so a stranger's guesses cannot lock the owner out;
- per email across every client: `LOCKOUT_ACCOUNT_THRESHOLD` (much higher)
  failures lock it for everyone, for `LOCKOUT_MINUTES` doubling with each lock
  in a row (at most a day), so guessing from many addresses stays slow.

Unlocked by time, by a password reset, or by an admin; a successful sign-in
forgets its own client's failures.
"""

import math
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.exceptions import AccountLockedError
from app.auth.models import LoginAttempts
from app.core.config import Settings
from app.core.models import utcnow

ANY_CLIENT = "*"
UNKNOWN_CLIENT = "-"
MAX_ACCOUNT_LOCK = timedelta(days=1)


def _client(ip: str | None) -> str:
    return ip or UNKNOWN_CLIENT


async def ensure_not_locked(
    session: AsyncSession, email: str, ip: str | None
) -> list[LoginAttempts]:
    """Refuse a locked email; return its failure records for this client (one query)."""
    rows = list(
        (
            await session.exec(
                select(LoginAttempts).where(
                    LoginAttempts.email == email,
                    col(LoginAttempts.client_ip).in_((_client(ip), ANY_CLIENT)),
                )
            )
        ).all()
    )
    now = utcnow()
    remaining = max(
        ((row.locked_until - now).total_seconds() for row in rows if row.locked_until),
        default=0.0,
    )
    if remaining > 0:
        raise AccountLockedError(retry_after=math.ceil(remaining))
    return rows


async def record_failure(
    session: AsyncSession,
    settings: Settings,
    email: str,
    ip: str | None,
    rows: list[LoginAttempts],
) -> bool:
    """Count a failed sign-in on both counters; True when this failure locks the email."""
    now = utcnow()
    window = timedelta(minutes=settings.lockout_window_minutes)
    lock = timedelta(minutes=settings.lockout_minutes)
    by_client = {row.client_ip: row for row in rows}
    pair = by_client.get(_client(ip)) or LoginAttempts(email=email, client_ip=_client(ip))
    every = by_client.get(ANY_CLIENT) or LoginAttempts(email=email, client_ip=ANY_CLIENT)
    pair_locks = _count(pair, now, window, settings.lockout_threshold, lambda _: lock)
    every_locks = _count(
        every,
        now,
        window,
        settings.lockout_account_threshold,
        lambda locks: min(lock * 2 ** (locks - 1), MAX_ACCOUNT_LOCK),
    )
    session.add(pair)
    session.add(every)
    return pair_locks or every_locks


def _count(
    attempts: LoginAttempts,
    now: datetime,
    window: timedelta,
    threshold: int,
    lock_for: Callable[[int], timedelta],
) -> bool:
    if attempts.window_started_at + window <= now:
        # A calm window since the last lock ends the run of locks.
        if attempts.locked_until is None or attempts.locked_until + window <= now:
            attempts.lock_count = 0
        attempts.failed_count, attempts.window_started_at = 0, now
    attempts.failed_count += 1
    if attempts.failed_count < threshold:
        return False
    attempts.lock_count += 1
    attempts.locked_until = now + lock_for(attempts.lock_count)
    attempts.failed_count, attempts.window_started_at = 0, now
    return True


async def forget_client(session: AsyncSession, rows: list[LoginAttempts], ip: str | None) -> None:
    """A success forgets its own client's failures (not the all-clients count)."""
    for row in rows:
        if row.client_ip == _client(ip):
            await session.delete(row)


async def clear(session: AsyncSession, email: str) -> bool:
    """Forget every failure and lock of the email; return True if there were any."""
    result = await session.exec(delete(LoginAttempts).where(col(LoginAttempts.email) == email))
    return result.rowcount > 0
