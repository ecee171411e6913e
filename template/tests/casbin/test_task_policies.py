"""Policies over the tasks module: ownership, a support role, revoking the owners' grant."""

import httpx

from tests.casbin.conftest import Authz
from tests.helpers import UserFactory, assert_error


async def test_v8_2_2_ownership_and_run_time_grants_on_tasks(
    client: httpx.AsyncClient, authz: Authz, users: UserFactory
) -> None:
    owner = await users.create("owner@example.com")
    helper = await users.create("helper@example.com")
    owner_headers = await users.headers("owner@example.com")
    helper_headers = await users.headers("helper@example.com")
    tasks = f"/api/v1/users/{owner.id}/tasks"
    created = await client.post(tasks, json={"title": "Write"}, headers=owner_headers)
    assert created.status_code == 201, created.text
    task = f"{tasks}/{created.json()['id']}"

    # Another user's list does not exist for them; an admin sees it.
    assert_error(await client.get(tasks, headers=helper_headers), 404, "NOT_FOUND")
    assert (await client.get(tasks, headers=authz.headers)).status_code == 200

    # A support role, created now, reads anyone's tasks but writes none but its own.
    await authz.grant("support", "tasks", "read", "any")
    await authz.assign("support", user_id=helper.id)
    assert (await client.get(task, headers=helper_headers)).status_code == 200
    patch = {"title": "Changed"}
    assert_error(await client.patch(task, json=patch, headers=helper_headers), 404, "NOT_FOUND")
    await authz.unassign("support", user_id=helper.id)
    assert_error(await client.get(task, headers=helper_headers), 404, "NOT_FOUND")

    # Revoking the users' own-tasks grant stops the owner too; the refusal is audited.
    await authz.revoke("user", "tasks", "write", "own")
    assert_error(await client.patch(task, json=patch, headers=owner_headers), 404, "NOT_FOUND")
    assert (await client.get(task, headers=owner_headers)).status_code == 200
    found = await authz.call("GET", "/api/v1/audit-events?event=permission_denied&size=100")
    denied = {(e["actor_id"], e["details"]["permission"]) for e in found["items"]}
    assert (str(owner.id), "tasks:write") in denied
    assert (str(helper.id), "tasks:read") in denied
