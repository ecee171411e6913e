"""Sign-in sessions and their refresh tokens.

A session is one signed-in device: its refresh tokens form a family. Each
refresh spends the current token and issues the next; presenting a spent one
again means it leaked, so the whole session is revoked.
"""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from app.core.models import TableBase, UTCDateTime, utcnow


class AuthSession(TableBase, table=True):
    __tablename__ = "auth_sessions"

    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    last_used_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ip_address: str | None = Field(default=None, max_length=45)
    user_agent: str | None = Field(default=None, max_length=255)


class RefreshToken(TableBase, table=True):
    __tablename__ = "refresh_tokens"

    session_id: uuid.UUID = Field(foreign_key="auth_sessions.id", ondelete="CASCADE", index=True)
    # SHA-256 of the token; the token itself is never stored.
    token_hash: str = Field(max_length=64, unique=True)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AccountToken(TableBase, table=True):
    """A single-use emailed token: verify an email, or reset a password."""

    __tablename__ = "account_tokens"

    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    purpose: str = Field(max_length=20)
    # SHA-256 of the token; the token itself only travels in the email.
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginAttempts(SQLModel, table=True):
    """Failed sign-ins per email and client, whether or not an account has the email.

    Keyed by email so that a locked answer says nothing about which emails exist;
    one row per (email, client IP), and one (`client_ip` = `*`) for every client
    together.
    """

    __tablename__ = "login_attempts"

    email: str = Field(max_length=320, primary_key=True)
    client_ip: str = Field(max_length=45, primary_key=True)
    failed_count: int = 0
    window_started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Locks in a row; on the all-clients row each lasts twice the one before.
    lock_count: int = 0
