"""Reading audit events (any module records them through `app.core.audit`)."""

from sqlalchemy import ColumnElement
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit.schemas import AuditFilters
from app.core.audit import AuditEvent
from app.core.pagination import PageParams, fetch_page


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
