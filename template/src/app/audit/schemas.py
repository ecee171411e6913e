"""Response and filter models of the audit endpoint."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from app.core.audit import EVENT_NAME, MAX_EVENT_LENGTH
from app.core.schemas import QueryModel, UTCTimestamp

# Any recorded name: core's (`login_failed`) or a module's (`tasks.deleted`).
EventName = Annotated[str, Field(max_length=MAX_EVENT_LENGTH, pattern=EVENT_NAME.pattern)]


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    event: str
    actor_id: uuid.UUID | None
    target_id: uuid.UUID | None
    ip_address: str | None
    user_agent: str | None
    request_id: str | None
    details: dict[str, Any] | None


class AuditFilters(QueryModel):
    event: EventName | None = None
    actor_id: uuid.UUID | None = None
    target_id: uuid.UUID | None = None
    since: UTCTimestamp | None = None
    until: UTCTimestamp | None = None
