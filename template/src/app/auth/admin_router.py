"""`/api/v1/users/{user_id}/unlock`: an admin lifts a sign-in lockout (auth owns lockouts)."""

from fastapi import APIRouter, status

from app.auth import lockout
from app.core import audit
from app.core.audit import AuditAction
from app.core.context import RequestContextDep
from app.core.db import SessionDep
from app.core.errors import ERROR_RESPONSES
from app.core.module import API_PREFIX
from app.users.dependencies import AdminUser, TargetUser

router = APIRouter(prefix=f"{API_PREFIX}/users", tags=["users"], responses=ERROR_RESPONSES)


@router.post("/{user_id}/unlock", status_code=status.HTTP_204_NO_CONTENT)
async def unlock_user(
    user: TargetUser, admin: AdminUser, session: SessionDep, context: RequestContextDep
) -> None:
    """Lift a sign-in lockout at once (admin)."""
    if await lockout.clear(session, user.email):
        audit.record(
            session, AuditAction.ACCOUNT_UNLOCKED, context, actor_id=admin.id, target_id=user.id
        )
