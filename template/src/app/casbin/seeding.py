"""Each module's declared default grants, written as policies once per permission."""

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.casbin.authorizer import installed_authorizer
from app.casbin.models import CasbinRule, SeededPermission
from app.casbin.storage import policy_storage
from app.core.permissions import Permission
from app.core.services import services_of

logger = structlog.get_logger(__name__)


@asynccontextmanager
async def seed_at_start(app: FastAPI) -> AsyncIterator[None]:
    """The module's lifespan: seed the grants of permissions seen for the first time,
    then load the rules, so the first requests do not all wait for that load."""
    services = services_of(app)
    try:
        async with services.database.session_factory() as session:
            try:
                if seeded := await seed_declared_grants(session, services.permissions):
                    await session.commit()
                    logger.info("casbin default grants seeded", permissions=seeded)
            except IntegrityError:
                # Another process starting at the same moment seeded them first.
                await session.rollback()
        await installed_authorizer(services).refresh()
    except (DBAPIError, PoolTimeoutError, OSError):  # drivers raise OSError unwrapped
        # The service starts without its database (readiness says so); the grants are
        # seeded by the next start that reaches it, the rules loaded by the first request.
        logger.warning("casbin rules not seeded or loaded: the database is unreachable")
    yield


async def seed_declared_grants(
    session: AsyncSession, permissions: Iterable[Permission]
) -> list[str]:
    """Write the default grants of every permission not seeded before; their names.

    A grant an existing policy already covers (the admins' `*`) is not repeated.
    """
    done = set((await session.exec(select(SeededPermission.name))).all())
    new = [permission for permission in permissions if permission.name not in done]
    if not new:
        return []
    statement = select(CasbinRule).where(col(CasbinRule.ptype) == "p")
    existing = [(r.v0, r.v1, r.v2, r.v3) for r in (await session.exec(statement)).all()]
    async with policy_storage(session) as storage:
        for permission in new:
            for role, scope in permission.grants.items():
                rule = (str(role), permission.obj, permission.action, scope.value)
                if not any(_covers(other, rule) for other in existing):
                    await storage.adapter.add_policy("p", "p", list(rule))
                    existing.append(rule)
        await storage.raise_version()
    session.add_all(SeededPermission(name=permission.name) for permission in new)
    return [permission.name for permission in new]


def _covers(policy: tuple[str | None, ...], rule: tuple[str, ...]) -> bool:
    subject, obj, action, scope = policy
    return (
        subject == rule[0]
        and obj in ("*", rule[1])
        and action in ("*", rule[2])
        and scope in ("any", rule[3])
    )
