"""The authorizer's rule loading under concurrency."""

import asyncio

from fastapi import FastAPI

from app.casbin.authorizer import CasbinAuthorizer
from app.casbin.config import CasbinSettings
from app.core.permissions import Role
from app.core.services import services_of
from tests.helpers import UserFactory


async def test_the_first_decisions_wait_for_the_rules_instead_of_denying(
    app: FastAPI, users: UserFactory
) -> None:
    """Requests arriving together before any rule is loaded all wait for that one load.

    Deciding with no rules would deny everything: a create answered 404 in the first
    moments after a start (found by the fault run under load, nox_support/faults.py).
    """
    services = services_of(app)
    admin = await users.create("first@example.com", role=Role.ADMIN)
    fresh = CasbinAuthorizer(services.database, services.permissions, CasbinSettings())
    decisions = await asyncio.gather(
        *(fresh.is_allowed(admin, "users", "manage") for _ in range(8))
    )
    assert decisions == [True] * 8
