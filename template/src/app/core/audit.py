"""The audit log's table and how any module records an event in it.

Core's own events keep the names in `AuditAction`; a module names its events
`<module>.<event>` (`tasks.deleted`, `oauth.linked`), so names never collide and
the audit module lists and filters them all without knowing them. An event is
added to the request's transaction, so it is stored exactly when what it
describes is.
"""

import re
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlmodel import Field
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.context import RequestContext
from app.core.metrics import SECURITY_EVENTS
from app.core.models import TableBase

MAX_EVENT_LENGTH = 40
# `login_failed` (core) or `tasks.deleted` (a module's): lowercase words, one optional dot.
EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")


class AuditAction(StrEnum):
    """Core's events (users and sign-in); stored under these exact names."""

    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    ACCOUNT_LOCKED = "account_locked"
    ACCOUNT_UNLOCKED = "account_unlocked"
    LOGOUT = "logout"
    LOGOUT_ALL = "logout_all"
    SESSION_REVOKED = "session_revoked"
    REFRESH_TOKEN_REUSED = "refresh_token_reused"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    EMAIL_VERIFIED = "email_verified"
    EMAIL_CHANGE_REQUESTED = "email_change_requested"
    EMAIL_CHANGED = "email_changed"
    USER_CREATED = "user_created"
    USER_UPDATED = "user_updated"
    USER_DELETED = "user_deleted"
    ROLE_CHANGED = "role_changed"
    PERMISSION_DENIED = "permission_denied"


class AuditEvent(TableBase, table=True):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_created_at", "created_at"),
        Index("ix_audit_events_actor_id", "actor_id"),
        Index("ix_audit_events_target_id", "target_id"),
    )

    event: str = Field(sa_type=String(MAX_EVENT_LENGTH))
    # Who did it (None: an anonymous caller) and whom it concerns. Plain ids, not
    # foreign keys: the log outlives deleted users.
    actor_id: uuid.UUID | None = None
    target_id: uuid.UUID | None = None
    ip_address: str | None = Field(default=None, max_length=45)
    user_agent: str | None = Field(default=None, max_length=255)
    request_id: str | None = Field(default=None, max_length=128)
    details: dict[str, Any] | None = Field(default=None, sa_type=JSON)


def is_event_name(name: str) -> bool:
    return len(name) <= MAX_EVENT_LENGTH and EVENT_NAME.fullmatch(name) is not None


def record(
    session: AsyncSession,
    event: str,
    context: RequestContext,
    *,
    actor_id: uuid.UUID | None = None,
    target_id: uuid.UUID | None = None,
    **details: Any,
) -> None:
    """Add an event to the request's transaction. Never put secrets in `details`."""
    if not is_event_name(event):
        raise ValueError(f"audit event names look like `tasks.deleted`, not {event!r}")
    SECURITY_EVENTS.labels(str(event)).inc()
    session.add(
        AuditEvent(
            event=str(event),
            actor_id=actor_id,
            target_id=target_id,
            ip_address=context.ip_address,
            user_agent=context.user_agent,
            request_id=context.request_id,
            details=details or None,
        )
    )
