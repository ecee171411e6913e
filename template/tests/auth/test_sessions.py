"""Refresh rotation with reuse detection, logout, revoke, and the session list."""

import httpx

from tests.helpers import UserFactory, assert_error, bearer

REFRESH = "/api/v1/auth/refresh"
ME = "/api/v1/auth/me"


async def signed_in(users: UserFactory, email: str = "sam@example.com") -> dict[str, str]:
    await users.create(email)
    tokens = await users.login(email)
    return {"access": tokens["access_token"], "refresh": tokens["refresh_token"]}


async def test_v10_4_5_refresh_rotates_and_reuse_kills_the_family(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    first = await signed_in(users)
    rotated = await client.post(REFRESH, json={"refresh_token": first["refresh"]})
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh"]

    reused = await client.post(REFRESH, json={"refresh_token": first["refresh"]})
    assert_error(reused, 401, "TOKEN_REVOKED")

    # The whole session is dead: the newest refresh token and every access token.
    after = await client.post(REFRESH, json={"refresh_token": second["refresh_token"]})
    assert_error(after, 401, "TOKEN_REVOKED")
    assert_error(await client.get(ME, headers=bearer(second["access_token"])), 401, "TOKEN_REVOKED")


async def test_refresh_refuses_unknown_tokens(client: httpx.AsyncClient) -> None:
    response = await client.post(REFRESH, json={"refresh_token": "not-a-token"})
    assert_error(response, 401, "TOKEN_INVALID")


async def test_v7_4_1_logout_kills_the_access_token_at_once(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    tokens = await signed_in(users)
    response = await client.post("/api/v1/auth/logout", headers=bearer(tokens["access"]))
    assert response.status_code == 204
    assert_error(await client.get(ME, headers=bearer(tokens["access"])), 401, "TOKEN_REVOKED")
    refreshed = await client.post(REFRESH, json={"refresh_token": tokens["refresh"]})
    assert_error(refreshed, 401, "TOKEN_REVOKED")


async def test_v7_4_1_logout_all_ends_every_session(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    phone = await signed_in(users)
    laptop = await users.login("sam@example.com")
    response = await client.post("/api/v1/auth/logout-all", headers=bearer(phone["access"]))
    assert response.status_code == 204
    for access in (phone["access"], laptop["access_token"]):
        assert_error(await client.get(ME, headers=bearer(access)), 401, "TOKEN_REVOKED")


async def test_v7_4_1_revoke_answers_200_whatever_the_token(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    tokens = await signed_in(users)
    unknown = await client.post("/api/v1/auth/revoke", json={"token": "unknown"})
    assert unknown.status_code == 200
    known = await client.post("/api/v1/auth/revoke", json={"token": tokens["refresh"]})
    assert known.status_code == 200
    assert_error(await client.get(ME, headers=bearer(tokens["access"])), 401, "TOKEN_REVOKED")


async def test_v7_4_1_sessions_list_and_delete(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    current = await signed_in(users)
    other = await users.login("sam@example.com")
    listed = await client.get("/api/v1/auth/sessions", headers=bearer(current["access"]))
    assert listed.status_code == 200
    sessions = listed.json()
    assert len(sessions) == 2
    assert sum(s["current"] for s in sessions) == 1
    assert all(s["user_agent"].startswith("python-httpx") for s in sessions)

    other_id = next(s["id"] for s in sessions if not s["current"])
    deleted = await client.delete(
        f"/api/v1/auth/sessions/{other_id}", headers=bearer(current["access"])
    )
    assert deleted.status_code == 204
    assert_error(await client.get(ME, headers=bearer(other["access_token"])), 401, "TOKEN_REVOKED")
    again = await client.delete(
        f"/api/v1/auth/sessions/{other_id}", headers=bearer(current["access"])
    )
    assert_error(again, 404, "NOT_FOUND")


async def test_v8_2_2_cannot_end_someone_elses_session(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    mine = await signed_in(users, "mine@example.com")
    theirs = await signed_in(users, "theirs@example.com")
    their_sessions = await client.get("/api/v1/auth/sessions", headers=bearer(theirs["access"]))
    their_id = their_sessions.json()[0]["id"]
    response = await client.delete(
        f"/api/v1/auth/sessions/{their_id}", headers=bearer(mine["access"])
    )
    assert_error(response, 404, "NOT_FOUND")
    assert (await client.get(ME, headers=bearer(theirs["access"]))).status_code == 200


async def test_protected_routes_need_a_valid_token(client: httpx.AsyncClient) -> None:
    assert_error(await client.get(ME), 401, "NOT_AUTHENTICATED")
    assert_error(await client.get(ME, headers=bearer("garbage")), 401, "TOKEN_INVALID")
