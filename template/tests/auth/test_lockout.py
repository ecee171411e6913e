"""Lockout after repeated failures: per email, whether or not the account exists.

Counted per (email, client IP), and per email across every client at a much
higher threshold; see docs/security.md for why.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.models import LoginAttempts
from app.core.models import utcnow
from app.core.permissions import Role
from app.core.ratelimit import RateLimiter
from app.core.services import services_of
from tests.helpers import PASSWORD, UserFactory, assert_error

LOGIN = "/api/v1/auth/login"


async def fail(client: httpx.AsyncClient, email: str, times: int) -> list[int]:
    return [
        (await client.post(LOGIN, json={"email": email, "password": "wrong-pass-1"})).status_code
        for _ in range(times)
    ]


async def test_v6_3_1_five_failures_lock_the_email(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    await users.create("target@example.com")
    assert await fail(client, "target@example.com", 5) == [401] * 5
    locked = await client.post(LOGIN, json={"email": "target@example.com", "password": PASSWORD})
    assert_error(locked, 423, "ACCOUNT_LOCKED")
    assert 14 * 60 < int(locked.headers["retry-after"]) <= 15 * 60


async def test_v6_3_8_unknown_emails_lock_the_same_way(client: httpx.AsyncClient) -> None:
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


@asynccontextmanager
async def client_from(app: FastAPI, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests come from `ip` (the ASGI scope's peer address)."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_v6_3_1_a_strangers_failures_do_not_lock_the_owner_out(
    app: FastAPI, users: UserFactory
) -> None:
    await users.create("target@example.com")
    async with (
        client_from(app, "203.0.113.9") as attacker,
        client_from(app, "198.51.100.7") as owner,
    ):
        assert await fail(attacker, "target@example.com", 6) == [401] * 5 + [423]
        signed_in = await owner.post(
            LOGIN, json={"email": "target@example.com", "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text


async def test_v6_3_1_many_clients_lock_the_email_for_longer_each_time(
    app: FastAPI, users: UserFactory, db_session: AsyncSession
) -> None:
    services = services_of(app)
    services.settings = services.settings.model_copy(update={"lockout_account_threshold": 8})
    # The per-email rate limit would answer 429 first; this test is about the lockout.
    services.rate_limiter = RateLimiter(enabled=False)
    await users.create("target@example.com")
    statuses = []
    for attacker in range(4):  # two failures from each of four addresses
        async with client_from(app, f"203.0.113.{attacker + 1}") as client:
            statuses += await fail(client, "target@example.com", 2)
    assert statuses == [401] * 8
    async with client_from(app, "198.51.100.7") as owner:
        locked = await owner.post(LOGIN, json={"email": "target@example.com", "password": PASSWORD})
        assert_error(locked, 423, "ACCOUNT_LOCKED")
        assert 14 * 60 < int(locked.headers["retry-after"]) <= 15 * 60

        # The lock ran out; the next run of failures locks for twice as long.
        every = await db_session.get(LoginAttempts, ("target@example.com", "*"))
        assert every is not None
        every.locked_until = utcnow() - timedelta(seconds=1)
        await db_session.commit()
        for attacker in range(4):
            async with client_from(app, f"192.0.2.{attacker + 1}") as client:
                await fail(client, "target@example.com", 2)
        locked = await owner.post(LOGIN, json={"email": "target@example.com", "password": PASSWORD})
        assert 29 * 60 < int(locked.headers["retry-after"]) <= 30 * 60


async def test_v6_3_1_password_change_has_the_sign_in_lockout(
    client: httpx.AsyncClient, users: UserFactory, db_session: AsyncSession
) -> None:
    await users.create("owner@example.com")
    headers = await users.headers("owner@example.com")
    statuses = [
        (
            await client.post(
                "/api/v1/users/me/password",
                json={"current_password": f"guess-{n}-xyz", "new_password": "fresh-secret-42"},
                headers=headers,
            )
        ).status_code
        for n in range(6)
    ]
    assert statuses == [403] * 5 + [423]
    rows = (await db_session.exec(select(LoginAttempts))).all()
    assert {row.client_ip for row in rows} == {"127.0.0.1", "*"}
    login = await client.post(LOGIN, json={"email": "owner@example.com", "password": PASSWORD})
    assert_error(login, 423, "ACCOUNT_LOCKED")
