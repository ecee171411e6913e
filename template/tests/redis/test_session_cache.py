"""The session cache in real Redis: read-only requests use it, every change empties it."""

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.permissions import Role
from app.core.services import services_of
from app.redis.keys import Keys
from app.users.models import User
from tests.helpers import PASSWORD, UserFactory, assert_error, bearer

ME = "/api/v1/auth/me"
SESSIONS = "/api/v1/auth/sessions"
USERS = "/api/v1/users"


async def cached_session_ids(client: Redis, keys: Keys) -> set[str]:
    found = [key.decode() async for key in client.scan_iter(match=keys.session("*"))]
    return {key.removeprefix(keys.session()) for key in found}


async def session_id_of(client: httpx.AsyncClient, token: str) -> str:
    sessions = (await client.get(SESSIONS, headers=bearer(token))).json()
    return str(next(s["id"] for s in sessions if s["current"]))


async def test_a_read_only_request_caches_its_session_without_the_password_hash(
    client: httpx.AsyncClient, users: UserFactory, redis_client: Redis, keys: Keys
) -> None:
    await users.create("ann@example.com")
    token = (await users.login("ann@example.com"))["access_token"]
    assert (await client.get(ME, headers=bearer(token))).status_code == 200
    session_id = await session_id_of(client, token)
    assert await cached_session_ids(redis_client, keys) == {session_id}
    entry = (await redis_client.get(keys.session(session_id))).decode()
    assert "ann@example.com" in entry
    assert "argon2" not in entry
    assert "hashed_password" not in entry


async def test_writes_never_use_a_cached_user(
    client: httpx.AsyncClient,
    users: UserFactory,
    db_session: AsyncSession,
    redis_client: Redis,
    keys: Keys,
) -> None:
    """An entry the database no longer agrees with (changed behind the service's back,
    so nothing invalidated it) may answer a GET, never a write."""
    user = await users.create("bo@example.com")
    token = (await users.login("bo@example.com"))["access_token"]
    assert (await client.get(ME, headers=bearer(token))).status_code == 200
    # A bulk UPDATE: no ORM event, so no invalidation.
    await db_session.exec(update(User).where(col(User.id) == user.id).values(is_active=False))
    assert (await client.get(ME, headers=bearer(token))).status_code == 200  # the cache
    response = await client.post("/api/v1/auth/logout-all", headers=bearer(token))
    assert_error(response, 403, "ACCOUNT_DISABLED")  # the database


async def test_v7_4_1_logout_revocation_and_logout_all_reach_the_next_request(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    await users.create("cy@example.com")
    tokens = [(await users.login("cy@example.com"))["access_token"] for _ in range(4)]
    for token in tokens:  # every session cached
        assert (await client.get(ME, headers=bearer(token))).status_code == 200

    assert (await client.post("/api/v1/auth/logout", headers=bearer(tokens[0]))).status_code == 204
    assert_error(await client.get(ME, headers=bearer(tokens[0])), 401, "TOKEN_REVOKED")

    second = await session_id_of(client, tokens[1])
    ended = await client.delete(f"{SESSIONS}/{second}", headers=bearer(tokens[2]))
    assert ended.status_code == 204
    assert_error(await client.get(ME, headers=bearer(tokens[1])), 401, "TOKEN_REVOKED")

    out = await client.post("/api/v1/auth/logout-all", headers=bearer(tokens[2]))
    assert out.status_code == 204
    for token in tokens[2:]:
        assert_error(await client.get(ME, headers=bearer(token)), 401, "TOKEN_REVOKED")


async def test_v7_4_1_refresh_token_reuse_and_revoke_end_the_cached_session(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    await users.create("di@example.com")
    first = await users.login("di@example.com")
    rotated = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    access = rotated.json()["access_token"]
    assert (await client.get(ME, headers=bearer(access))).status_code == 200
    reused = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert_error(reused, 401, "TOKEN_REVOKED")
    assert_error(await client.get(ME, headers=bearer(access)), 401, "TOKEN_REVOKED")

    other = await users.login("di@example.com")
    assert (await client.get(ME, headers=bearer(other["access_token"]))).status_code == 200
    revoke = await client.post("/api/v1/auth/revoke", json={"token": other["refresh_token"]})
    assert revoke.status_code == 200
    assert_error(await client.get(ME, headers=bearer(other["access_token"])), 401, "TOKEN_REVOKED")


async def test_v7_4_3_a_password_change_ends_the_other_cached_sessions(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    await users.create("ed@example.com")
    this, other = [(await users.login("ed@example.com"))["access_token"] for _ in range(2)]
    assert (await client.get(ME, headers=bearer(other))).status_code == 200
    changed = await client.post(
        f"{USERS}/me/password",
        json={"current_password": PASSWORD, "new_password": "new-secret-42"},
        headers=bearer(this),
    )
    assert changed.status_code == 204, changed.text
    assert_error(await client.get(ME, headers=bearer(other)), 401, "TOKEN_REVOKED")
    assert (await client.get(ME, headers=bearer(this))).status_code == 200


async def admin_and_target(users: UserFactory, client: httpx.AsyncClient) -> tuple[Any, ...]:
    await users.create("root@example.com", role=Role.ADMIN)
    target = await users.create("fay@example.com", role=Role.ADMIN)
    root = await users.headers("root@example.com")
    token = (await users.login("fay@example.com"))["access_token"]
    assert (await client.get(f"{USERS}/", headers=bearer(token))).status_code == 200  # cached
    return root, target, token


async def test_v8_3_2_a_demotion_reaches_the_demoted_admins_next_request(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    root, target, token = await admin_and_target(users, client)
    demoted = await client.patch(f"{USERS}/{target.id}", json={"role": "user"}, headers=root)
    assert demoted.status_code == 200, demoted.text
    # A role change ends every session of the account: the old token is refused.
    assert_error(await client.get(f"{USERS}/", headers=bearer(token)), 401, "TOKEN_REVOKED")
    again = await users.headers("fay@example.com")
    assert_error(await client.get(f"{USERS}/", headers=again), 403, "FORBIDDEN")


async def test_v7_4_2_deactivation_and_deletion_reach_the_next_request(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    root, target, token = await admin_and_target(users, client)
    off = await client.patch(f"{USERS}/{target.id}", json={"is_active": False}, headers=root)
    assert off.status_code == 200, off.text
    response = await client.get(ME, headers=bearer(token))
    assert response.status_code in (401, 403)
    assert response.json()["error_code"] in ("TOKEN_REVOKED", "ACCOUNT_DISABLED")

    await users.create("gus@example.com")
    gus = (await users.login("gus@example.com"))["access_token"]
    assert (await client.get(ME, headers=bearer(gus))).status_code == 200
    gus_id = (await client.get(ME, headers=bearer(gus))).json()["id"]
    assert (await client.delete(f"{USERS}/{gus_id}", headers=root)).status_code == 204
    assert (await client.get(ME, headers=bearer(gus))).status_code == 401


async def test_an_answer_read_before_an_invalidation_is_not_stored_after_it(
    app: FastAPI, redis_client: Redis
) -> None:
    """The race of a request that read the database just before a revocation committed."""
    cache = services_of(app).session_cache
    session_id, user_id = uuid.uuid4(), uuid.uuid4()
    for invalidation in ({"session_ids": [session_id]}, {"user_ids": [user_id]}):
        before = await cache.read(session_id, user_id)
        assert before.value is None
        await cache.invalidate(**invalidation)
        await cache.store(before, '{"stale": true}', ttl_seconds=60)
        assert (await cache.read(session_id, user_id)).value is None
    fresh = await cache.read(session_id, user_id)
    await cache.store(fresh, '{"fresh": true}', ttl_seconds=60)
    assert (await cache.read(session_id, user_id)).value == '{"fresh": true}'
    assert (await cache.read(session_id, uuid.uuid4())).value is None  # another user's token
