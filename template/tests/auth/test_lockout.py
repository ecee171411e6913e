"""Lockout after repeated failures: per email, whether or not the account exists."""

import httpx

from app.core.permissions import Role
from tests.helpers import PASSWORD, UserFactory, assert_error

LOGIN = "/api/v1/auth/login"


async def fail(client: httpx.AsyncClient, email: str, times: int) -> list[int]:
    return [
        (await client.post(LOGIN, json={"email": email, "password": "wrong-pass-1"})).status_code
        for _ in range(times)
    ]


async def test_five_failures_lock_the_email(client: httpx.AsyncClient, users: UserFactory) -> None:
    await users.create("target@example.com")
    assert await fail(client, "target@example.com", 5) == [401] * 5
    locked = await client.post(LOGIN, json={"email": "target@example.com", "password": PASSWORD})
    assert_error(locked, 423, "ACCOUNT_LOCKED")
    assert 14 * 60 < int(locked.headers["retry-after"]) <= 15 * 60


async def test_unknown_emails_lock_the_same_way(client: httpx.AsyncClient) -> None:
    assert await fail(client, "ghost@example.com", 6) == [401] * 5 + [423]


async def test_success_resets_the_count(client: httpx.AsyncClient, users: UserFactory) -> None:
    await users.create("typo@example.com")
    assert await fail(client, "typo@example.com", 4) == [401] * 4
    await users.login("typo@example.com")
    assert await fail(client, "typo@example.com", 4) == [401] * 4


async def test_an_admin_unlocks(client: httpx.AsyncClient, users: UserFactory) -> None:
    target = await users.create("target@example.com")
    await users.create("root@example.com", role=Role.ADMIN)
    admin = await users.headers("root@example.com")
    await fail(client, "target@example.com", 5)
    unlock = await client.post(f"/api/v1/users/{target.id}/unlock", headers=admin)
    assert unlock.status_code == 204
    await users.login("target@example.com")
