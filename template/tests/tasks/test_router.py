"""The tasks endpoints, for the owner, an admin, and everybody else."""

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core import pagination
from app.core.permissions import Role
from app.core.services import services_of
from app.tasks.config import TasksSettings
from tests.helpers import UserFactory, assert_error


@pytest.fixture
async def alice(users: UserFactory) -> dict[str, Any]:
    user = await users.create("alice@example.com")
    return {"id": user.id, "headers": await users.headers("alice@example.com")}


def tasks_url(user_id: uuid.UUID | str, *rest: object) -> str:
    return "/".join([f"/api/v1/users/{user_id}/tasks", *map(str, rest)])


async def create(client: httpx.AsyncClient, owner: dict[str, Any], **fields: Any) -> Any:
    response = await client.post(
        tasks_url(owner["id"]), json={"title": "A task", **fields}, headers=owner["headers"]
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_read_and_defaults(client: httpx.AsyncClient, alice: dict[str, Any]) -> None:
    task = await create(client, alice, title="  Buy milk  ", due_date="2030-01-31T17:00:00+02:00")
    assert task["title"] == "Buy milk"
    assert (task["priority"], task["completed"], task["description"]) == ("medium", False, None)
    assert task["due_date"] == "2030-01-31T15:00:00Z"
    read = await client.get(tasks_url(alice["id"], task["id"]), headers=alice["headers"])
    assert read.json() == task


async def test_validation(client: httpx.AsyncClient, alice: dict[str, Any]) -> None:
    url = tasks_url(alice["id"])
    for body in (
        {"title": "   "},
        {"title": "x" * 256},
        {"title": "ok", "description": "x" * 1001},
        {"title": "ok", "priority": "someday"},
        {"title": "ok", "due_date": "2030-01-31T17:00:00"},  # naive: refused, not guessed
        {"title": "ok", "owner": "someone"},
    ):
        response = await client.post(url, json=body, headers=alice["headers"])
        assert_error(response, 422, "VALIDATION_ERROR")


async def test_update_complete_and_delete(client: httpx.AsyncClient, alice: dict[str, Any]) -> None:
    task = await create(client, alice, description="old", priority="low")
    url, headers = tasks_url(alice["id"], task["id"]), alice["headers"]

    patched = await client.patch(
        url, json={"priority": "urgent", "due_date": None}, headers=headers
    )
    assert (patched.json()["priority"], patched.json()["description"]) == ("urgent", "old")
    assert_error(
        await client.patch(url, json={"title": None}, headers=headers), 422, "VALIDATION_ERROR"
    )

    replaced = await client.put(url, json={"title": "New"}, headers=headers)
    assert (replaced.json()["title"], replaced.json()["description"]) == ("New", None)
    assert replaced.json()["priority"] == "medium"

    done = await client.patch(f"{url}/complete", json={"completed": True}, headers=headers)
    assert done.json()["completed"] is True

    assert (await client.delete(url, headers=headers)).status_code == 204
    assert_error(await client.get(url, headers=headers), 404, "NOT_FOUND")


async def test_list_filters_orders_and_pages(
    client: httpx.AsyncClient, alice: dict[str, Any]
) -> None:
    await create(
        client, alice, title="Pay rent", priority="urgent", due_date="2030-01-01T00:00:00Z"
    )
    await create(client, alice, title="Call mum", description="about the rent", priority="low")
    await create(client, alice, title="Walk", priority="high", completed=True)

    async def titles(**params: Any) -> list[str]:
        response = await client.get(tasks_url(alice["id"]), params=params, headers=alice["headers"])
        assert response.status_code == 200, response.text
        return [task["title"] for task in response.json()["items"]]

    assert await titles() == ["Walk", "Call mum", "Pay rent"]  # newest first
    assert await titles(order_by="priority") == ["Call mum", "Walk", "Pay rent"]
    assert await titles(order_by="-priority") == ["Pay rent", "Walk", "Call mum"]
    assert await titles(order_by="title") == ["Call mum", "Pay rent", "Walk"]
    assert await titles(completed="true") == ["Walk"]
    assert await titles(priority="low") == ["Call mum"]
    assert await titles(search="RENT", order_by="title") == ["Call mum", "Pay rent"]
    assert await titles(due_before="2030-06-01T00:00:00Z") == ["Pay rent"]
    assert await titles(due_after="2030-06-01T00:00:00Z") == []
    page = await client.get(
        tasks_url(alice["id"]), params={"size": 2, "page": 2}, headers=alice["headers"]
    )
    assert {k: page.json()[k] for k in ("total", "total_is_exact", "page", "size", "pages")} == {
        "total": 3,
        "total_is_exact": True,
        "page": 2,
        "size": 2,
        "pages": 2,
    }
    for bad in ({"order_by": "user_id"}, {"size": 0}, {"due_before": "2030-01-01T00:00:00"}):
        response = await client.get(tasks_url(alice["id"]), params=bad, headers=alice["headers"])
        assert_error(response, 422, "VALIDATION_ERROR")


async def test_a_long_list_counts_only_so_far_past_the_page(
    client: httpx.AsyncClient, alice: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The count stops COUNT_AHEAD rows past the page's start; the page says when it did."""
    monkeypatch.setattr(pagination, "COUNT_AHEAD", 3)
    for n in range(6):
        await create(client, alice, title=f"Task {n}")

    async def page(number: int) -> dict[str, Any]:
        params = {"size": 2, "page": number}
        response = await client.get(tasks_url(alice["id"]), params=params, headers=alice["headers"])
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return {k: body[k] for k in ("total", "total_is_exact", "pages")} | {
            "items": len(body["items"])
        }

    # Page 1 counts rows 1-3 of 6: at least 3 match, so at least 2 pages.
    assert await page(1) == {"total": 3, "total_is_exact": False, "pages": 2, "items": 2}
    # Page 3 starts at row 5 and counts up to row 7: all 6, exactly.
    assert await page(3) == {"total": 6, "total_is_exact": True, "pages": 3, "items": 2}
    # Past the end: no rows, and the exact count.
    assert await page(5) == {"total": 6, "total_is_exact": True, "pages": 3, "items": 0}


async def test_v8_2_2_other_users_tasks_are_invisible(
    client: httpx.AsyncClient, users: UserFactory, alice: dict[str, Any]
) -> None:
    """Another user's tasks answer 404 on every route, as if they did not exist."""
    task = await create(client, alice)
    await users.create("bob@example.com")
    bob = await users.headers("bob@example.com")
    own, theirs = tasks_url(alice["id"]), tasks_url(alice["id"], task["id"])
    attempts = [
        ("GET", own, None),
        ("POST", own, {"title": "sneaky"}),
        ("GET", theirs, None),
        ("PUT", theirs, {"title": "mine now"}),
        ("PATCH", theirs, {"title": "mine now"}),
        ("PATCH", f"{theirs}/complete", {"completed": True}),
        ("DELETE", theirs, None),
    ]
    for method, url, body in attempts:
        response = await client.request(method, url, json=body, headers=bob)
        # What an admin hears for an unknown user: nothing tells whether alice exists.
        assert assert_error(response, 404, "NOT_FOUND")["detail"] == "User not found."
    untouched = await client.get(theirs, headers=alice["headers"])
    assert untouched.json()["title"] == "A task"


async def test_v8_2_2_a_task_under_the_wrong_user_path_is_404(
    client: httpx.AsyncClient, users: UserFactory, alice: dict[str, Any]
) -> None:
    task = await create(client, alice)
    bob = await users.create("bob@example.com")
    admin = await users.create("root@example.com", role=Role.ADMIN)
    admin_headers = await users.headers("root@example.com")
    for user_id in (bob.id, admin.id):
        response = await client.get(tasks_url(user_id, task["id"]), headers=admin_headers)
        assert_error(response, 404, "NOT_FOUND")


async def test_admins_manage_anyones_tasks(
    client: httpx.AsyncClient, users: UserFactory, alice: dict[str, Any]
) -> None:
    task = await create(client, alice)
    await users.create("root@example.com", role=Role.ADMIN)
    admin = await users.headers("root@example.com")
    listed = await client.get(tasks_url(alice["id"]), headers=admin)
    assert listed.json()["total"] == 1
    done = await client.patch(
        tasks_url(alice["id"], task["id"], "complete"), json={"completed": True}, headers=admin
    )
    assert done.json()["completed"] is True
    created = await client.post(tasks_url(alice["id"]), json={"title": "From admin"}, headers=admin)
    assert created.json()["user_id"] == str(alice["id"])
    unknown = await client.get(tasks_url(uuid.uuid4()), headers=admin)
    assert_error(unknown, 404, "NOT_FOUND")


async def test_deleting_a_user_deletes_their_tasks(
    client: httpx.AsyncClient, users: UserFactory, alice: dict[str, Any]
) -> None:
    await create(client, alice)
    await users.create("root@example.com", role=Role.ADMIN)
    admin = await users.headers("root@example.com")
    assert (await client.delete(f"/api/v1/users/{alice['id']}", headers=admin)).status_code == 204
    assert_error(await client.get(tasks_url(alice["id"]), headers=admin), 404, "NOT_FOUND")


async def test_me_stands_for_the_caller_on_every_tasks_route(
    client: httpx.AsyncClient, alice: dict[str, Any]
) -> None:
    headers = alice["headers"]
    created = await client.post(tasks_url("me"), json={"title": "Mine"}, headers=headers)
    assert created.status_code == 201, created.text
    task = created.json()
    assert task["user_id"] == str(alice["id"])
    listed = await client.get(tasks_url("me"), headers=headers)
    assert [t["id"] for t in listed.json()["items"]] == [task["id"]]
    assert (await client.get(tasks_url("me", task["id"]), headers=headers)).json() == task
    patched = await client.patch(
        tasks_url("me", task["id"]), json={"title": "Still mine"}, headers=headers
    )
    assert patched.json()["title"] == "Still mine"
    done = await client.patch(
        tasks_url("me", task["id"], "complete"), json={"completed": True}, headers=headers
    )
    assert done.json()["completed"] is True
    replaced = await client.put(tasks_url("me", task["id"]), json={"title": "New"}, headers=headers)
    assert replaced.json()["completed"] is False
    assert (await client.delete(tasks_url("me", task["id"]), headers=headers)).status_code == 204
    assert_error(await client.get(tasks_url("you"), headers=headers), 422, "VALIDATION_ERROR")
    assert_error(await client.get(tasks_url("me")), 401, "NOT_AUTHENTICATED")


async def test_a_deletion_is_audited_under_the_modules_name(
    client: httpx.AsyncClient, alice: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    task = await create(client, alice)
    response = await client.delete(tasks_url(alice["id"], task["id"]), headers=alice["headers"])
    assert response.status_code == 204
    audit = await client.get(
        "/api/v1/audit-events", params={"event": "tasks.deleted"}, headers=admin_headers
    )
    [event] = audit.json()["items"]
    assert (event["actor_id"], event["target_id"]) == (str(alice["id"]), str(alice["id"]))
    assert event["details"] == {"task_id": task["id"]}


async def test_tasks_max_per_user_is_a_module_setting(
    client: httpx.AsyncClient, alice: dict[str, Any], app: FastAPI
) -> None:
    services = services_of(app)
    services.module_settings[TasksSettings] = TasksSettings(max_per_user=2)
    await create(client, alice)
    await create(client, alice)
    response = await client.post(
        tasks_url(alice["id"]), json={"title": "one too many"}, headers=alice["headers"]
    )
    assert_error(response, 409, "TASK_LIMIT_REACHED")


def test_tasks_settings_read_their_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKS_MAX_PER_USER", "7")
    assert TasksSettings().max_per_user == 7
