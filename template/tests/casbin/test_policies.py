"""The policy matrix through the HTTP API: defaults, run-time roles, inheritance, revocation."""

from collections.abc import Mapping

import httpx
import pytest

from tests.casbin.conftest import POLICIES, ROLES, Authz
from tests.helpers import UserFactory, assert_error

AUDIT = "/api/v1/audit-events"


@pytest.fixture
async def sam(users: UserFactory) -> tuple[str, dict[str, str]]:
    """A user with the account role `user`: their id and headers."""
    user = await users.create("sam@example.com")
    return str(user.id), await users.headers("sam@example.com")


async def test_the_seeded_policies_keep_the_role_defaults(
    client: httpx.AsyncClient, authz: Authz, sam: tuple[str, dict[str, str]]
) -> None:
    sam_id, headers = sam
    assert (await client.get(AUDIT, headers=authz.headers)).status_code == 200
    assert_error(await client.get(AUDIT, headers=headers), 403, "FORBIDDEN")
    assert (await client.get(f"/api/v1/users/{sam_id}", headers=headers)).status_code == 200
    policies = await authz.call("GET", POLICIES)
    assert {"subject": "admin", "object": "*", "action": "*", "scope": "any"} in policies
    assert {"subject": "user", "object": "users", "action": "read", "scope": "own"} in policies
    permissions = await authz.call("GET", "/api/v1/authz/permissions")
    assert {"object": "authz", "action": "manage", "default_grants": {"admin": "any"}} in (
        permissions
    )


async def test_v8_3_2_a_role_created_at_run_time_gains_a_permission_at_once(
    client: httpx.AsyncClient, authz: Authz, sam: tuple[str, dict[str, str]]
) -> None:
    sam_id, headers = sam
    await authz.assign("auditor", user_id=sam_id)
    assert_error(await client.get(AUDIT, headers=headers), 403, "FORBIDDEN")  # no grant yet
    await authz.grant("auditor", "audit_events", "read")
    assert (await client.get(AUDIT, headers=headers)).status_code == 200
    assert {"user_id": sam_id, "member_role": None, "role": "auditor"} in await authz.call(
        "GET", ROLES
    )

    await authz.unassign("auditor", user_id=sam_id)  # a revoked role
    assert_error(await client.get(AUDIT, headers=headers), 403, "FORBIDDEN")
    await authz.assign("auditor", user_id=sam_id)
    await authz.revoke("auditor", "audit_events", "read")  # a revoked grant
    assert_error(await client.get(AUDIT, headers=headers), 403, "FORBIDDEN")


async def test_roles_inherit_grants(
    client: httpx.AsyncClient, authz: Authz, sam: tuple[str, dict[str, str]]
) -> None:
    sam_id, headers = sam
    await authz.grant("auditor", "audit_events", "read")
    await authz.assign("lead", user_id=sam_id)
    await authz.assign("auditor", member_role="lead")  # every lead is an auditor too
    assert (await client.get(AUDIT, headers=headers)).status_code == 200
    # The account role inherits as well: every `user` becomes a lead, so sam stays in.
    await authz.unassign("lead", user_id=sam_id)
    await authz.assign("lead", member_role="user")
    assert (await client.get(AUDIT, headers=headers)).status_code == 200
    await authz.unassign("auditor", member_role="lead")
    assert_error(await client.get(AUDIT, headers=headers), 403, "FORBIDDEN")


async def test_a_grant_to_one_user_and_a_wildcard(
    client: httpx.AsyncClient, authz: Authz, sam: tuple[str, dict[str, str]]
) -> None:
    sam_id, headers = sam
    await authz.grant(sam_id.upper(), "audit_events", "*")  # ids are stored in one spelling
    assert (await client.get(AUDIT, headers=headers)).status_code == 200
    await authz.revoke(sam_id, "audit_events", "*")
    assert_error(await client.get(AUDIT, headers=headers), 403, "FORBIDDEN")


async def test_v8_2_1_only_policy_managers_reach_the_endpoints(
    client: httpx.AsyncClient, authz: Authz, sam: tuple[str, dict[str, str]]
) -> None:
    _, headers = sam
    grant = {"subject": "user", "object": "*", "action": "*"}
    assert_error(await client.post(POLICIES, json=grant, headers=headers), 403, "FORBIDDEN")
    assert_error(await client.get(ROLES, headers=headers), 403, "FORBIDDEN")
    assert_error(await client.get(POLICIES), 401, "NOT_AUTHENTICATED")
    await authz.grant("user", "authz", "read")  # reading is its own permission
    assert (await client.get(ROLES, headers=headers)).status_code == 200
    assert_error(await client.post(POLICIES, json=grant, headers=headers), 403, "FORBIDDEN")


async def test_v16_3_2_changes_and_refusals_are_audited(
    client: httpx.AsyncClient, authz: Authz, sam: tuple[str, dict[str, str]]
) -> None:
    sam_id, headers = sam
    await authz.grant("auditor", "audit_events", "read")
    await authz.assign("auditor", user_id=sam_id)
    await authz.unassign("auditor", user_id=sam_id)
    assert_error(await client.get(AUDIT, headers=headers), 403, "FORBIDDEN")
    found = await authz.call("GET", f"{AUDIT}?size=100")
    names = [event["event"] for event in found["items"]]
    for name in (
        "casbin.policy_added",
        "casbin.role_assigned",
        "casbin.role_unassigned",
        "permission_denied",
    ):
        assert name in names, name
    denial = next(e for e in found["items"] if e["event"] == "permission_denied")
    assert denial["actor_id"] == sam_id
    assert denial["details"] == {"permission": "audit_events:read"}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"subject": "user", "object": "taks", "action": "read"}, 404, "UNKNOWN_PERMISSION"),
        ({"subject": "User!", "object": "*", "action": "*"}, 422, "VALIDATION_ERROR"),
        (
            {"subject": "user", "object": "*", "action": "*", "scope": "all"},
            422,
            "VALIDATION_ERROR",
        ),
        ({"subject": "admin", "object": "*", "action": "*"}, 409, "POLICY_EXISTS"),
    ],
)
async def test_bad_policies_are_refused(
    client: httpx.AsyncClient, authz: Authz, body: dict[str, str], status: int, code: str
) -> None:
    assert_error(await client.post(POLICIES, json=body, headers=authz.headers), status, code)


async def test_bad_removals_and_assignments_are_refused(
    client: httpx.AsyncClient, authz: Authz, sam: tuple[str, dict[str, str]]
) -> None:
    sam_id, _ = sam

    async def call(method: str, path: str, body: Mapping[str, object]) -> httpx.Response:
        return await client.request(method, path, json=body, headers=authz.headers)

    everything = {"subject": "admin", "object": "*", "action": "*", "scope": "any"}
    assert_error(await call("DELETE", POLICIES, everything), 409, "POLICY_PROTECTED")
    missing = {"subject": "nobody", "object": "*", "action": "*"}
    assert_error(await call("DELETE", POLICIES, missing), 404, "POLICY_NOT_FOUND")
    stranger = {"user_id": "00000000-0000-4000-8000-000000000000", "role": "x"}
    assert_error(await call("POST", ROLES, stranger), 404, "NOT_FOUND")
    both = {"user_id": sam_id, "member_role": "lead", "role": "auditor"}
    assert_error(await call("POST", ROLES, both), 422, "VALIDATION_ERROR")
    # A well-formed body (the schema cannot compare two fields): a conflict, not a 422.
    itself = {"member_role": "lead", "role": "lead"}
    assert_error(await call("POST", ROLES, itself), 409, "ROLE_INHERITS_ITSELF")
    id_as_role = {"user_id": sam_id, "role": sam_id}
    assert_error(await call("POST", ROLES, id_as_role), 422, "VALIDATION_ERROR")
    assignment = {"user_id": sam_id, "role": "lead"}
    assert (await call("POST", ROLES, assignment)).status_code == 201
    assert_error(await call("POST", ROLES, assignment), 409, "ROLE_ASSIGNMENT_EXISTS")
    gone = {"member_role": "lead", "role": "auditor"}
    assert_error(await call("DELETE", ROLES, gone), 404, "ROLE_ASSIGNMENT_NOT_FOUND")
