"""The `oauth_accounts` table: which provider identities sign in which user."""

import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from app.core.models import TableBase, UTCDateTime


class OAuthAccount(TableBase, table=True):
    __tablename__ = "oauth_accounts"
    __table_args__ = (
        # An identity is (provider, subject): the provider's stable id, never the email.
        UniqueConstraint("provider", "subject"),
        Index("ix_oauth_accounts_user_id", "user_id"),
    )

    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    provider: str = Field(max_length=50)
    subject: str = Field(max_length=255)
    # The address the provider vouched for when last used: shown to the user only.
    email: str | None = Field(default=None, max_length=320)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
