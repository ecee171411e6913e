"""The `users` table."""

from datetime import datetime

from sqlalchemy import Index, String
from sqlmodel import Field

from app.core.models import TableBase, UTCDateTime
from app.core.permissions import Role


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
