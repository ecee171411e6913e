"""Response and filter models of the audit endpoint."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from app.audit.models import AuditAction
from app.core.schemas import QueryModel, UTCTimestamp


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    event: AuditAction
    actor_id: uuid.UUID | None
    target_id: uuid.UUID | None
    ip_address: str | None
    user_agent: str | None
    request_id: str | None
    details: dict[str, Any] | None


class AuditFilters(QueryModel):
    event: AuditAction | None = None
    actor_id: uuid.UUID | None = None
    target_id: uuid.UUID | None = None
    since: UTCTimestamp | None = None
    until: UTCTimestamp | None = None
