"""Request and response bodies of the tasks endpoints.

`due_date` must carry a timezone (`2030-01-31T17:00:00+02:00`); a naive time is
refused rather than guessed, and the answer gives it in UTC.
"""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from app.core.schemas import PartialUpdate, QueryModel, StrictModel, UTCTimestamp
from app.tasks.models import TaskPriority

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Description = Annotated[str, StringConstraints(max_length=1000)]


class TaskCreate(StrictModel):
    title: Title
    description: Description | None = None
    priority: TaskPriority = TaskPriority.MEDIUM
    due_date: UTCTimestamp | None = None
    completed: StrictBool = False


class TaskReplace(TaskCreate):
    """`PUT`: the whole task; omitted fields take their defaults."""


class TaskUpdate(PartialUpdate):
    """`PATCH`: only the fields sent change; `null` clears `description` or `due_date`."""

    required_if_sent = ("title", "priority", "completed")

    title: Title | SkipJsonSchema[None] = None
    description: Description | None = None
    priority: TaskPriority | SkipJsonSchema[None] = None
    due_date: UTCTimestamp | None = None
    completed: StrictBool | SkipJsonSchema[None] = None


class TaskCompletion(StrictModel):
    completed: StrictBool


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    title: str
    description: str | None
    completed: bool
    priority: TaskPriority
    due_date: datetime | None
    created_at: datetime
    updated_at: datetime


class TaskOrder(StrEnum):
    """Sort keys for the task list; a leading `-` sorts descending."""

    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    DUE_DATE = "due_date"
    DUE_DATE_DESC = "-due_date"
    PRIORITY = "priority"
    PRIORITY_DESC = "-priority"
    TITLE = "title"
    TITLE_DESC = "-title"


class TaskFilters(QueryModel):
    """Query parameters of the task list."""

    completed: bool | None = None
    priority: TaskPriority | None = None
    search: str | None = Field(default=None, max_length=100)
    due_before: UTCTimestamp | None = None
    due_after: UTCTimestamp | None = None
