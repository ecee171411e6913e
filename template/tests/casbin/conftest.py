"""Helpers of the policy tests: the admin endpoints, called as an admin."""

from typing import Any

import httpx
import pytest

from app.core.permissions import Role
from tests.helpers import UserFactory

POLICIES = "/api/v1/authz/policies"
ROLES = "/api/v1/authz/roles"


class Authz:
    """The policy endpoints, called with an admin's token; each call must succeed."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = await self.client.request(method, path, json=body, headers=self.headers)
        assert response.is_success, response.text
        return response.json() if response.content else None

    async def grant(self, subject: str, obj: str, action: str, scope: str = "any") -> None:
        body = {"subject": subject, "object": obj, "action": action, "scope": scope}
        await self.call("POST", POLICIES, body)

    async def revoke(self, subject: str, obj: str, action: str, scope: str = "any") -> None:
        body = {"subject": subject, "object": obj, "action": action, "scope": scope}
        await self.call("DELETE", POLICIES, body)

    async def assign(
        self, role: str, *, user_id: object = None, member_role: str | None = None
    ) -> None:
        await self.call("POST", ROLES, role_assignment(role, user_id, member_role))

    async def unassign(
        self, role: str, *, user_id: object = None, member_role: str | None = None
    ) -> None:
        await self.call("DELETE", ROLES, role_assignment(role, user_id, member_role))


def role_assignment(role: str, user_id: object, member_role: str | None) -> dict[str, Any]:
    """The body of /authz/roles: a user id or a member role put in `role`."""
    return {"user_id": str(user_id) if user_id else None, "member_role": member_role, "role": role}


@pytest.fixture
async def authz(client: httpx.AsyncClient, users: UserFactory) -> Authz:
    await users.create("policy-admin@example.com", role=Role.ADMIN)
    return Authz(client, await users.headers("policy-admin@example.com"))
