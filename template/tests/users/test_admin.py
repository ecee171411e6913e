"""Admin management of users, and the self-or-admin rules on `/users/{id}`."""

import uuid

import httpx

from app.core.permissions import Role
from tests.helpers import PASSWORD, UserFactory, assert_error

USERS = "/api/v1/users/"


async def test_v8_2_1_only_admins_list_users(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    assert_error(await client.get(USERS, headers=user_headers), 403, "FORBIDDEN")


async def test_list_pages_filters_and_orders(
    client: httpx.AsyncClient, users: UserFactory, admin_headers: dict[str, str]
) -> None:
    for name in ("carol", "bob", "dave"):
        await users.create(f"{name}@example.com", full_name=name.title())
    page = await client.get(USERS, params={"size": 2, "order_by": "email"}, headers=admin_headers)
    assert page.status_code == 200, page.text
    body = page.json()
    assert [u["email"] for u in body["items"]] == ["admin@example.com", "bob@example.com"]
    assert (body["total"], body["page"], body["size"], body["pages"]) == (4, 1, 2, 2)

    last = await client.get(
        USERS, params={"size": 2, "page": 2, "order_by": "-email"}, headers=admin_headers
    )
    assert [u["email"] for u in last.json()["items"]] == ["bob@example.com", "admin@example.com"]

    beyond = await client.get(USERS, params={"size": 2, "page": 9}, headers=admin_headers)
    assert beyond.json()["items"] == []
    assert beyond.json()["total"] == 4

    admins = await client.get(USERS, params={"role": "admin"}, headers=admin_headers)
    assert [u["email"] for u in admins.json()["items"]] == ["admin@example.com"]
    search = await client.get(USERS, params={"search": "CAR"}, headers=admin_headers)
    assert [u["email"] for u in search.json()["items"]] == ["carol@example.com"]
    wildcard = await client.get(USERS, params={"search": "%"}, headers=admin_headers)
    assert wildcard.json()["total"] == 0
    active = await client.get(
        USERS,
        params={"is_active": "true", "created_after": "2000-01-01T00:00:00Z"},
        headers=admin_headers,
    )
    assert active.json()["total"] == 4
    none_yet = await client.get(
        USERS, params={"created_before": "2000-01-01T00:00:00Z"}, headers=admin_headers
    )
    assert none_yet.json()["total"] == 0


async def test_list_refuses_bad_parameters(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for params in (
        {"size": 101},
        {"page": 0},
        {"order_by": "hashed_password"},
        {"created_after": "2020-01-01T00:00:00"},  # no timezone
    ):
        response = await client.get(USERS, params=params, headers=admin_headers)
        assert_error(response, 422, "VALIDATION_ERROR")


async def test_admin_creates_users_with_a_role(
    client: httpx.AsyncClient, users: UserFactory, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        USERS,
        json={"email": "ops@example.com", "password": PASSWORD, "role": "admin"},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["role"] == "admin"
    await users.login("ops@example.com")


async def test_the_users_collection_answers_with_or_without_the_slash(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """No redirect: Starlette's would be an absolute `http://` URL, wrong behind TLS."""
    listed = await client.get("/api/v1/users", headers=admin_headers)
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == 1
    created = await client.post(
        "/api/v1/users",
        json={"email": "noslash@example.com", "password": PASSWORD},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    # Elsewhere a stray slash is a plain 404, never a redirect.
    assert_error(await client.get("/api/v1/users/me/", headers=admin_headers), 404, "NOT_FOUND")


async def test_v8_2_1_users_cannot_create_users(
    client: httpx.AsyncClient, user_headers: dict[str, str]
) -> None:
    response = await client.post(
        USERS, json={"email": "x@example.com", "password": PASSWORD}, headers=user_headers
    )
    assert_error(response, 403, "FORBIDDEN")


async def test_v8_2_2_self_or_admin_on_user_by_id(
    client: httpx.AsyncClient, users: UserFactory, admin_headers: dict[str, str]
) -> None:
    alice = await users.create("alice@example.com")
    bob = await users.create("bob@example.com")
    alice_headers = await users.headers("alice@example.com")

    assert (await client.get(f"{USERS}{alice.id}", headers=alice_headers)).status_code == 200
    assert (await client.get(f"{USERS}{alice.id}", headers=admin_headers)).status_code == 200
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        response = await client.request(
            method, f"{USERS}{bob.id}", json={"email": "bob@example.com"}, headers=alice_headers
        )
        assert_error(response, 403, "FORBIDDEN")
    missing = await client.get(f"{USERS}{uuid.uuid4()}", headers=admin_headers)
    assert_error(missing, 404, "NOT_FOUND")
    assert_error(
        await client.get(f"{USERS}not-a-uuid", headers=admin_headers), 422, "VALIDATION_ERROR"
    )


async def test_v8_2_3_users_can_never_raise_their_own_role(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    alice = await users.create("alice@example.com")
    headers = await users.headers("alice@example.com")
    patch = await client.patch(f"{USERS}{alice.id}", json={"role": "admin"}, headers=headers)
    assert_error(patch, 403, "FORBIDDEN")
    put = await client.put(
        f"{USERS}{alice.id}", json={"email": "alice@example.com", "role": "admin"}, headers=headers
    )
    assert_error(put, 403, "FORBIDDEN")
    # Sending the role one already has is not a change.
    same = await client.patch(f"{USERS}{alice.id}", json={"role": "user"}, headers=headers)
    assert same.status_code == 200
    assert same.json()["role"] == Role.USER


async def test_admin_changes_roles_and_activation_but_not_their_own(
    client: httpx.AsyncClient, users: UserFactory, admin_headers: dict[str, str]
) -> None:
    alice = await users.create("alice@example.com")
    promoted = await client.patch(
        f"{USERS}{alice.id}", json={"role": "admin"}, headers=admin_headers
    )
    assert promoted.json()["role"] == "admin"
    alice_headers = await users.headers("alice@example.com")
    disabled = await client.patch(
        f"{USERS}{alice.id}", json={"is_active": False}, headers=admin_headers
    )
    assert disabled.json()["is_active"] is False
    # A disabled user's sessions end at once.
    blocked = await client.get("/api/v1/users/me", headers=alice_headers)
    assert_error(blocked, 401, "TOKEN_REVOKED")

    admin = (await client.get("/api/v1/users/me", headers=admin_headers)).json()
    demote = await client.patch(
        f"{USERS}{admin['id']}", json={"role": "user"}, headers=admin_headers
    )
    assert_error(demote, 403, "FORBIDDEN")


async def test_put_replaces_the_profile(
    client: httpx.AsyncClient, users: UserFactory, admin_headers: dict[str, str]
) -> None:
    alice = await users.create("alice@example.com", full_name="Alice", username="alice")
    response = await client.put(
        f"{USERS}{alice.id}", json={"email": "Alice2@Example.com"}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["email"], body["full_name"], body["username"]) == (
        "alice2@example.com",
        None,
        None,
    )


async def test_email_changes_stay_unique(
    client: httpx.AsyncClient, users: UserFactory, admin_headers: dict[str, str]
) -> None:
    alice = await users.create("alice@example.com")
    await users.create("bob@example.com")
    response = await client.patch(
        f"{USERS}{alice.id}", json={"email": "BOB@example.com"}, headers=admin_headers
    )
    assert_error(response, 409, "EMAIL_TAKEN")


async def test_delete_self_and_by_admin(
    client: httpx.AsyncClient, users: UserFactory, admin_headers: dict[str, str]
) -> None:
    alice = await users.create("alice@example.com")
    bob = await users.create("bob@example.com")
    alice_headers = await users.headers("alice@example.com")
    assert (await client.delete(f"{USERS}{alice.id}", headers=alice_headers)).status_code == 204
    assert_error(await client.get("/api/v1/users/me", headers=alice_headers), 401, "TOKEN_REVOKED")
    assert (await client.delete(f"{USERS}{bob.id}", headers=admin_headers)).status_code == 204
    assert_error(await client.get(f"{USERS}{bob.id}", headers=admin_headers), 404, "NOT_FOUND")
