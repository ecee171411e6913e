"""A user's own profile and password."""

import httpx

from tests.helpers import PASSWORD, UserFactory, assert_error, bearer

ME = "/api/v1/users/me"


async def test_read_and_update_own_profile(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    response = await client.patch(
        ME, json={"full_name": "Ada", "username": "Ada_L"}, headers=user_headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["username"] == "ada_l"
    me = (await client.get(ME, headers=user_headers)).json()
    assert me["full_name"] == "Ada"
    assert me["email"] == "user@example.com"


async def test_v8_2_3_profile_update_refuses_role_and_nulls(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    """`PATCH /users/me` is `PATCH /users/{id}` with `me`: one body, one answer for both."""
    for body in ({"role": "admin"}, {"is_active": False}):
        response = await client.patch(ME, json=body, headers=user_headers)
        assert_error(response, 403, "FORBIDDEN")
    response = await client.patch(ME, json={"email": None}, headers=user_headers)
    assert_error(response, 422, "VALIDATION_ERROR")


async def test_v7_4_3_change_password_ends_the_other_sessions(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    await users.create("pat@example.com")
    this = await users.login("pat@example.com")
    other = await users.login("pat@example.com")
    response = await client.post(
        f"{ME}/password",
        json={"current_password": PASSWORD, "new_password": "new-secret-42"},
        headers=bearer(this["access_token"]),
    )
    assert response.status_code == 204, response.text
    assert (await client.get(ME, headers=bearer(this["access_token"]))).status_code == 200
    stale = await client.get(ME, headers=bearer(other["access_token"]))
    assert_error(stale, 401, "TOKEN_REVOKED")
    await users.login("pat@example.com", "new-secret-42")


async def test_v6_2_3_change_password_checks_the_current_one(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    wrong = await client.post(
        f"{ME}/password",
        json={"current_password": "not-it-123", "new_password": "new-secret-42"},
        headers=user_headers,
    )
    assert_error(wrong, 403, "INVALID_CREDENTIALS")


async def test_v6_2_11_new_password_must_not_be_the_email(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    await users.create("kim2@example.com")
    response = await client.post(
        f"{ME}/password",
        json={"current_password": PASSWORD, "new_password": "KIM2@example.com"},
        headers=await users.headers("kim2@example.com"),
    )
    assert_error(response, 422, "WEAK_PASSWORD")


async def test_me_stands_for_the_caller_on_the_per_user_routes(
    client: httpx.AsyncClient, users: UserFactory, admin_headers: dict[str, str]
) -> None:
    """PUT, DELETE and unlock take `me` like GET and PATCH do."""
    unlocked = await client.post(f"{ME}/unlock", headers=admin_headers)
    assert unlocked.status_code == 204, unlocked.text
    await users.create("leaving@example.com")
    headers = await users.headers("leaving@example.com")
    body = {"email": "leaving@example.com", "full_name": "Leaving Soon"}
    replaced = await client.put(ME, json=body, headers=headers)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["email"] == "leaving@example.com"
    assert (await client.delete(ME, headers=headers)).status_code == 204
    assert_error(await client.get(ME, headers=headers), 401, "TOKEN_REVOKED")
    assert_error(
        await client.delete("/api/v1/users/you", headers=admin_headers), 422, "VALIDATION_ERROR"
    )
