"""Recording and reading audit events. Never commits; the request's session does."""

import uuid
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit.models import AuditAction, AuditEvent
from app.audit.schemas import AuditFilters
from app.core.context import RequestContext
from app.core.metrics import SECURITY_EVENTS
from app.core.pagination import PageParams, fetch_page


def record(
    session: AsyncSession,
    action: AuditAction,
    context: RequestContext,
    *,
    actor_id: uuid.UUID | None = None,
    target_id: uuid.UUID | None = None,
    **details: Any,
) -> None:
    """Add an event to the request's transaction. Never put secrets in `details`."""
    SECURITY_EVENTS.labels(action.value).inc()
    session.add(
        AuditEvent(
            event=action,
            actor_id=actor_id,
            target_id=target_id,
            ip_address=context.ip_address,
            user_agent=context.user_agent,
            request_id=context.request_id,
            details=details or None,
        )
    )


async def list_events(
    session: AsyncSession, filters: AuditFilters, params: PageParams
) -> tuple[list[AuditEvent], int]:
    statement = (
        sa_select(AuditEvent)
        .where(*_conditions(filters))
        .order_by(col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc())
    )
    return await fetch_page(session, statement, params)


def _conditions(filters: AuditFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.event is not None:
        conditions.append(col(AuditEvent.event) == filters.event)
    if filters.actor_id is not None:
        conditions.append(col(AuditEvent.actor_id) == filters.actor_id)
    if filters.target_id is not None:
        conditions.append(col(AuditEvent.target_id) == filters.target_id)
    if filters.since is not None:
        conditions.append(col(AuditEvent.created_at) >= filters.since)
    if filters.until is not None:
        conditions.append(col(AuditEvent.created_at) < filters.until)
    return conditions
