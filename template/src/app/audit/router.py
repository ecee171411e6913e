"""`/api/v1/audit-events`: the security log, for whoever holds `audit_events:read`."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.audit import service
from app.audit.schemas import AuditEventRead, AuditFilters
from app.core.authentication import require_permission
from app.core.db import SessionDep
from app.core.errors import ERROR_RESPONSES
from app.core.module import API_PREFIX
from app.core.pagination import Page, PageParamsDep, make_page

router = APIRouter(prefix=f"{API_PREFIX}/audit-events", tags=["audit"], responses=ERROR_RESPONSES)


@router.get("", dependencies=[require_permission("audit_events", "read")])
async def list_audit_events(
    session: SessionDep,
    filters: Annotated[AuditFilters, Query()],
    params: PageParamsDep,
) -> Page[AuditEventRead]:
    """Security events, newest first; filter by event (any recorded name), actor, target, time."""
    events, total = await service.list_events(session, filters, params)
    return make_page([AuditEventRead.model_validate(e) for e in events], total, params)
