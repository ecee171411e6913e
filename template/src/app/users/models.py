"""The `users` table."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, event
from sqlalchemy.orm import object_session
from sqlmodel import Field

from app.core.models import TableBase, UTCDateTime
from app.core.permissions import Role
from app.core.session_cache import forget_after_commit


class User(TableBase, table=True):
    __tablename__ = "users"
    # The user list's default order.
    __table_args__ = (Index("ix_users_created_at", "created_at"),)

    # Stored lowercased, so the unique index makes it unique case-insensitively.
    email: str = Field(max_length=320, unique=True)
    # A new address the user asked for, until they confirm it by the emailed link.
    pending_email: str | None = Field(default=None, max_length=320)
    username: str | None = Field(default=None, max_length=50, unique=True)
    full_name: str | None = Field(default=None, max_length=255)
    # None for accounts that can only sign in another way (e.g. social login).
    hashed_password: str | None = Field(default=None, max_length=255)
    role: str = Field(default=Role.USER, sa_type=String(20))
    is_active: bool = True
    # The owner proved the address (emailed link), or an admin vouched for it.
    is_verified: bool = False
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


@event.listens_for(User, "after_update")
@event.listens_for(User, "after_delete")
def _forget_cached_sessions(_mapper: Any, _connection: Any, user: User) -> None:
    """Any change to a user (role, activation, password, profile) or their deletion
    drops their sessions from the session cache once the change is committed."""
    if (session := object_session(user)) is not None:
        forget_after_commit(session, user_ids=[user.id])
