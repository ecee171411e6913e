"""No 500 from any input to the tasks endpoints (ASVS 2.2.1): a clear 422 instead."""

from typing import Any

import httpx

from tests.helpers import UserFactory, assert_error


async def _owner(users: UserFactory) -> tuple[str, dict[str, str]]:
    user = await users.create("alice@example.com")
    return f"/api/v1/users/{user.id}/tasks", await users.headers("alice@example.com")


async def test_v2_2_1_task_dates_that_overflow_in_utc_are_422(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    url, headers = await _owner(users)
    for due_date in ("9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"):
        response = await client.post(
            url, json={"title": "t", "due_date": due_date}, headers=headers
        )
        assert_error(response, 422, "VALIDATION_ERROR")
        listed = await client.get(url, params={"due_after": due_date}, headers=headers)
        assert_error(listed, 422, "VALIDATION_ERROR")


async def test_v2_2_1_task_text_with_nul_is_422(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    url, headers = await _owner(users)
    bodies: list[dict[str, Any]] = [{"title": "a\u0000b"}, {"title": "t", "description": "\u0000"}]
    for body in bodies:
        assert_error(await client.post(url, json=body, headers=headers), 422, "VALIDATION_ERROR")
    search = await client.get(url, params={"search": "a\u0000b"}, headers=headers)
    assert_error(search, 422, "VALIDATION_ERROR")


async def test_v2_2_1_numbers_are_not_dates_or_booleans(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    url, headers = await _owner(users)
    for params in ({"due_before": "0.5"}, {"due_after": "1700000000"}):
        response = await client.get(url, params=params, headers=headers)
        assert_error(response, 422, "VALIDATION_ERROR")
    for body in ({"title": "t", "completed": 0}, {"title": "t", "completed": "true"}):
        response = await client.post(url, json=body, headers=headers)
        assert_error(response, 422, "VALIDATION_ERROR")
    created = await client.post(url, json={"title": "t"}, headers=headers)
    task_url = f"{url}/{created.json()['id']}"
    for path in (task_url, f"{task_url}/complete"):
        response = await client.patch(path, json={"completed": 1}, headers=headers)
        assert_error(response, 422, "VALIDATION_ERROR")


async def test_v2_2_1_the_schema_says_what_patch_refuses(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    update = schemas["TaskUpdate"]["properties"]
    for field in ("title", "priority", "completed"):
        assert "null" not in str(update[field]), field
    assert "null" in str(update["due_date"])
    assert update["completed"]["type"] == "boolean"


async def test_v2_2_1_options_allow_lists_every_method(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    url, headers = await _owner(users)
    response = await client.options(url, headers=headers)
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST"}
