"""The `notes` table."""

import uuid

from sqlmodel import Field

from app.core.models import TableBase


class Note(TableBase, table=True):
    __tablename__ = "notes"

    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=5000)
