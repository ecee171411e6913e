"""Policies and role assignments: the queries. Never commits; the request's session does.

Every change raises the policy version in the same transaction, and asks this
process's authorizer to reload once the transaction commits.
"""

from collections.abc import Iterable, Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.casbin.authorizer import CasbinAuthorizer
from app.casbin.exceptions import (
    PolicyExistsError,
    PolicyNotFoundError,
    PolicyProtectedError,
    RoleAssignmentExistsError,
    RoleAssignmentNotFoundError,
    UnknownPermissionNameError,
)
from app.casbin.models import CasbinRule
from app.casbin.schemas import Policy, RoleAssignment
from app.casbin.storage import policy_storage
from app.core.permissions import Permission

POLICY, ROLE = "p", "g"
# Without it nobody could manage policies any more (see the migration's defaults).
PROTECTED_POLICY = ["admin", "*", "*", "any"]


async def list_rules(session: AsyncSession, ptype: str) -> Sequence[CasbinRule]:
    statement = select(CasbinRule).where(CasbinRule.ptype == ptype).order_by(col(CasbinRule.id))
    return (await session.exec(statement)).all()


async def rule_exists(session: AsyncSession, ptype: str, values: list[str]) -> bool:
    statement = select(CasbinRule.id).where(CasbinRule.ptype == ptype)
    for index, value in enumerate(values):
        statement = statement.where(getattr(CasbinRule, f"v{index}") == value)
    return (await session.exec(statement.limit(1))).first() is not None


def check_declared(policy: Policy, permissions: Iterable[Permission]) -> None:
    """A policy names a declared object and action (or `*`): a typo is refused, not stored."""
    if any(policy.object in ("*", p.obj) and policy.action in ("*", p.action) for p in permissions):
        return
    raise UnknownPermissionNameError


async def add(
    session: AsyncSession, authorizer: CasbinAuthorizer, ptype: str, values: list[str]
) -> None:
    if await rule_exists(session, ptype, values):
        raise PolicyExistsError if ptype == POLICY else RoleAssignmentExistsError
    async with policy_storage(session) as storage:
        await storage.adapter.add_policy(ptype, ptype, values)
        await storage.raise_version()
    authorizer.reload_after_commit(session)


async def remove(
    session: AsyncSession, authorizer: CasbinAuthorizer, ptype: str, values: list[str]
) -> None:
    if ptype == POLICY and values == PROTECTED_POLICY:
        raise PolicyProtectedError
    async with policy_storage(session) as storage:
        if not await storage.adapter.remove_policy(ptype, ptype, values):
            raise PolicyNotFoundError if ptype == POLICY else RoleAssignmentNotFoundError
        await storage.raise_version()
    authorizer.reload_after_commit(session)


def as_policy(rule: CasbinRule) -> Policy:
    return Policy.model_validate(
        {"subject": rule.v0, "object": rule.v1, "action": rule.v2, "scope": rule.v3}
    )


def as_assignment(rule: CasbinRule) -> RoleAssignment:
    return RoleAssignment.from_rule(str(rule.v0), str(rule.v1))
