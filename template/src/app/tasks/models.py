"""The `tasks` table."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String
from sqlmodel import Field

from app.core.models import TableBase, UTCDateTime


class TaskPriority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class Task(TableBase, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        # Filtering one user's tasks by completion, and the default order
        # (newest first) of one user's tasks.
        Index("ix_tasks_user_id_completed", "user_id", "completed"),
        Index("ix_tasks_user_id_created_at", "user_id", "created_at"),
    )

    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    title: str = Field(max_length=255)
    description: str | None = Field(default=None, max_length=1000)
    completed: bool = False
    priority: str = Field(default=TaskPriority.MEDIUM, sa_type=String(10))
    due_date: datetime | None = Field(default=None, sa_type=UTCDateTime)
