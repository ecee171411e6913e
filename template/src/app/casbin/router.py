"""`/api/v1/authz`: admins read and change the policies and role assignments at run time.

Every change applies to this process's next request, is audited as
`casbin.<change>`, and reaches the other processes within
`CASBIN_POLICY_CHECK_INTERVAL_MS`.
"""

from typing import Annotated

from fastapi import APIRouter, status

from app.casbin import service
from app.casbin.dependencies import CasbinAuthorizerDep
from app.casbin.exceptions import RoleInheritsItselfError
from app.casbin.schemas import PermissionRead, Policy, RoleAssignment
from app.casbin.service import POLICY, ROLE
from app.core import audit
from app.core.authentication import require_permission
from app.core.context import RequestContextDep
from app.core.db import SessionDep
from app.core.errors import ERROR_RESPONSES
from app.core.module import API_PREFIX
from app.core.permissions import Principal
from app.core.services import ServicesDep
from app.users import service as users_service

router = APIRouter(prefix=f"{API_PREFIX}/authz", tags=["authz"], responses=ERROR_RESPONSES)

Reader = Annotated[Principal, require_permission("authz", "read")]
Manager = Annotated[Principal, require_permission("authz", "manage")]


@router.get("/permissions")
async def list_permissions(_: Reader, services: ServicesDep) -> list[PermissionRead]:
    """What the modules guard: the objects and actions a policy may name."""
    return [
        PermissionRead(object=p.obj, action=p.action, default_grants=dict(p.grants))
        for p in services.permissions
    ]


@router.get("/policies")
async def list_policies(_: Reader, session: SessionDep) -> list[Policy]:
    return [service.as_policy(rule) for rule in await service.list_rules(session, POLICY)]


@router.post("/policies", status_code=status.HTTP_201_CREATED)
async def add_policy(
    body: Policy,
    admin: Manager,
    session: SessionDep,
    authorizer: CasbinAuthorizerDep,
    services: ServicesDep,
    context: RequestContextDep,
) -> Policy:
    """Grant a role (or one user) an action on an object; 409 if granted already."""
    service.check_declared(body, services.permissions)
    await service.add(session, authorizer, POLICY, body.rule())
    audit.record(session, "casbin.policy_added", context, actor_id=admin.id, **body.model_dump())
    return body


@router.delete("/policies", status_code=status.HTTP_204_NO_CONTENT)
async def remove_policy(
    body: Policy,
    admin: Manager,
    session: SessionDep,
    authorizer: CasbinAuthorizerDep,
    context: RequestContextDep,
) -> None:
    """Revoke a grant; 404 if there is no such policy."""
    await service.remove(session, authorizer, POLICY, body.rule())
    audit.record(session, "casbin.policy_removed", context, actor_id=admin.id, **body.model_dump())


@router.get("/roles")
async def list_role_assignments(_: Reader, session: SessionDep) -> list[RoleAssignment]:
    return [service.as_assignment(rule) for rule in await service.list_rules(session, ROLE)]


@router.post("/roles", status_code=status.HTTP_201_CREATED)
async def assign_role(
    body: RoleAssignment,
    admin: Manager,
    session: SessionDep,
    authorizer: CasbinAuthorizerDep,
    context: RequestContextDep,
) -> RoleAssignment:
    """Put a user in a role, or let every holder of `member_role` inherit `role`'s grants."""
    if body.member_role == body.role:
        raise RoleInheritsItselfError
    if body.user_id is not None:
        await users_service.get_user(session, body.user_id)  # 404 for an unknown user
    await service.add(session, authorizer, ROLE, body.rule())
    _record(session, "casbin.role_assigned", context, admin, body)
    return body


@router.delete("/roles", status_code=status.HTTP_204_NO_CONTENT)
async def unassign_role(
    body: RoleAssignment,
    admin: Manager,
    session: SessionDep,
    authorizer: CasbinAuthorizerDep,
    context: RequestContextDep,
) -> None:
    """Take a role away; 404 if there is no such assignment."""
    await service.remove(session, authorizer, ROLE, body.rule())
    _record(session, "casbin.role_unassigned", context, admin, body)


def _record(
    session: SessionDep,
    event: str,
    context: RequestContextDep,
    admin: Principal,
    body: RoleAssignment,
) -> None:
    audit.record(
        session,
        event,
        context,
        actor_id=admin.id,
        target_id=body.user_id,
        member_role=body.member_role,
        role=body.role,
    )
