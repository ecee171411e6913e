"""Response and filter models of the audit endpoint."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.core.audit import EVENT_NAME, MAX_EVENT_LENGTH

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


class AuditFilters(BaseModel):
    event: EventName | None = None
    actor_id: uuid.UUID | None = None
    target_id: uuid.UUID | None = None
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
