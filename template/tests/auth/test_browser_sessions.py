"""The cookie transport: the refresh token in an HttpOnly cookie, with CSRF checks.

A browser's own requests (headers, cookies) are written out here; the same flow
runs in headless Chromium in the template's `browser_sessions` check.
"""

from http.cookies import SimpleCookie
from typing import Any

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.audit import AuditAction, AuditEvent
from app.core.config import Settings, get_settings
from tests.helpers import PASSWORD, UserFactory, assert_error, bearer

FRONTEND = "https://app.example.com"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/users/me"
COOKIE = "refresh_token"
BROWSER = {"X-Auth-Transport": "cookie", "Origin": FRONTEND}


@pytest.fixture
def settings() -> Settings:
    return get_settings().model_copy(update={"cors_origins": [FRONTEND]})


def set_cookie(response: httpx.Response) -> dict[str, Any]:
    """The one `Set-Cookie` of `response`: its name, value and attributes."""
    headers = response.headers.get_list("set-cookie")
    assert len(headers) == 1, headers
    morsel = next(iter(SimpleCookie(headers[0]).values()))
    attributes = {k: v for k, v in morsel.items() if v}
    return {"name": morsel.key, "value": morsel.value, "raw": headers[0], **attributes}


async def post(
    client: httpx.AsyncClient,
    path: str,
    cookie: str | None = None,
    *,
    cookie_name: str = COOKIE,
    **kwargs: Any,
) -> httpx.Response:
    """POST as the frontend's page would, with exactly this refresh cookie (or none)."""
    client.cookies.clear()
    headers = kwargs.pop("headers", BROWSER)
    if cookie is not None:
        headers = headers | {"Cookie": f"{cookie_name}={cookie}"}
    return await client.post(path, headers=headers, **kwargs)


async def browser_login(client: httpx.AsyncClient, users: UserFactory) -> httpx.Response:
    await users.create("web@example.com")
    response = await client.post(
        LOGIN, json={"email": "web@example.com", "password": PASSWORD}, headers=BROWSER
    )
    assert response.status_code == 200, response.text
    return response


async def test_json_clients_get_the_refresh_token_in_the_body_and_no_cookie(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    await users.create("api@example.com")
    response = await client.post(LOGIN, json={"email": "api@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert set(response.json()) == {
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
        "user",
    }
    assert "set-cookie" not in response.headers
    refreshed = await client.post(REFRESH, json={"refresh_token": response.json()["refresh_token"]})
    assert refreshed.status_code == 200
    assert "set-cookie" not in refreshed.headers
    # No body and no cookie transport: no token to spend, refused like a wrong one (the
    # schema makes the body optional, so a 422 would reject a valid request).
    assert_error(await client.post(REFRESH), 401, "TOKEN_INVALID")
    assert_error(await client.post(REFRESH, json=None), 401, "TOKEN_INVALID")


async def test_v3_3_4_the_refresh_cookie_is_httponly_and_out_of_the_body(
    client: httpx.AsyncClient, users: UserFactory, settings: Settings
) -> None:
    response = await browser_login(client, users)
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "user"}
    assert body["expires_in"] == settings.access_token_expire_minutes * 60  # short-lived
    cookie = set_cookie(response)
    assert cookie["name"] == COOKIE  # not Secure outside production, so no prefix
    assert cookie["httponly"] is True
    assert cookie["path"] == "/api/v1/auth"
    assert cookie["samesite"] == "strict"
    # The session's idle timeout, renewed by each refresh.
    assert cookie["max-age"] == str(settings.refresh_token_expire_days * 24 * 3600)
    assert "domain" not in cookie
    assert "secure" not in cookie
    # The access token works as a bearer token, as always.
    me = await client.get(ME, headers=bearer(body["access_token"]))
    assert me.status_code == 200


async def test_v10_4_5_refresh_through_the_cookie_rotates_it(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    first = set_cookie(await browser_login(client, users))["value"]
    rotated = await post(client, REFRESH, first, headers=BROWSER)
    assert rotated.status_code == 200, rotated.text
    assert "refresh_token" not in rotated.json()
    second = set_cookie(rotated)["value"]
    assert second != first
    assert (await client.get(ME, headers=bearer(rotated.json()["access_token"]))).status_code == 200

    # The spent cookie, replayed, ends the session (reuse detection), as in JSON.
    replayed = await post(client, REFRESH, first, headers=BROWSER)
    assert_error(replayed, 401, "TOKEN_REVOKED")
    after = await post(client, REFRESH, second, headers=BROWSER)
    assert_error(after, 401, "TOKEN_REVOKED")


async def test_refresh_without_the_cookie_is_refused(client: httpx.AsyncClient) -> None:
    assert_error(await client.post(REFRESH, headers=BROWSER), 401, "TOKEN_INVALID")
    forged = await post(client, REFRESH, "forged")
    assert_error(forged, 401, "TOKEN_INVALID")


async def test_v7_4_1_cookie_logout_needs_no_access_token_and_clears_the_cookie(
    client: httpx.AsyncClient, users: UserFactory, db_session: AsyncSession
) -> None:
    login = await browser_login(client, users)
    access, refresh = login.json()["access_token"], set_cookie(login)["value"]
    response = await post(client, LOGOUT, refresh, headers=BROWSER)
    assert response.status_code == 204
    cleared = set_cookie(response)
    assert (cleared["name"], cleared["value"], cleared["max-age"]) == (COOKIE, "", "0")
    assert cleared["path"] == "/api/v1/auth"
    assert_error(await client.get(ME, headers=bearer(access)), 401, "TOKEN_REVOKED")
    again = await post(client, REFRESH, refresh, headers=BROWSER)
    assert_error(again, 401, "TOKEN_REVOKED")

    logouts = (
        await db_session.exec(select(AuditEvent).where(AuditEvent.event == AuditAction.LOGOUT))
    ).all()
    assert [str(event.actor_id) for event in logouts] == [login.json()["user"]["id"]]


async def test_v7_4_1_cookie_logout_works_with_a_stale_access_token(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    """The moment of logout is when the page's access token may have expired."""
    login = await browser_login(client, users)
    refresh = set_cookie(login)["value"]
    stale = BROWSER | bearer("expired.or.forged")
    assert (await post(client, LOGOUT, refresh, headers=stale)).status_code == 204
    again = await post(client, REFRESH, refresh)
    assert_error(again, 401, "TOKEN_REVOKED")
    # Without a live cookie the access token decides, and a bad one is refused as ever.
    assert_error(await post(client, LOGOUT, headers=stale), 401, "TOKEN_INVALID")
    assert_error(await post(client, LOGOUT, headers=bearer("forged")), 401, "TOKEN_INVALID")


async def test_v7_4_1_cookie_logout_with_only_an_access_token_ends_its_session(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    access = (await browser_login(client, users)).json()["access_token"]
    response = await post(client, LOGOUT, headers=BROWSER | bearer(access))
    assert response.status_code == 204
    assert_error(await client.get(ME, headers=bearer(access)), 401, "TOKEN_REVOKED")


async def test_cookie_logout_without_a_session_just_clears_the_cookie(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(LOGOUT, headers=BROWSER)
    assert response.status_code == 204
    assert set_cookie(response)["max-age"] == "0"
    # A JSON logout still needs the access token.
    assert_error(await client.post(LOGOUT), 401, "NOT_AUTHENTICATED")


async def test_v7_4_1_cookie_logout_all_ends_every_session_and_clears_the_cookie(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    login = await browser_login(client, users)
    other = await users.login("web@example.com")
    headers = BROWSER | bearer(login.json()["access_token"])
    response = await client.post("/api/v1/auth/logout-all", headers=headers)
    assert response.status_code == 204
    assert set_cookie(response)["max-age"] == "0"
    assert_error(await client.get(ME, headers=bearer(other["access_token"])), 401, "TOKEN_REVOKED")


async def test_v3_5_1_cookie_requests_need_an_allowed_origin(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    refresh = set_cookie(await browser_login(client, users))["value"]
    for headers in (
        {"X-Auth-Transport": "cookie"},  # neither Origin nor Referer
        {"X-Auth-Transport": "cookie", "Origin": "https://evil.example"},
        {"X-Auth-Transport": "cookie", "Origin": "null"},  # a sandboxed page or file
        {"X-Auth-Transport": "cookie", "Referer": "https://evil.example/app.example.com"},
        {"X-Auth-Transport": "cookie", "Origin": FRONTEND + ".evil.example"},
    ):
        for path in (REFRESH, LOGOUT, LOGIN):
            answer = await post(client, path, refresh, headers=headers)
            assert_error(answer, 403, "ORIGIN_NOT_ALLOWED")
    # Without Origin, a Referer from the frontend is accepted.
    referer = {"X-Auth-Transport": "cookie", "Referer": f"{FRONTEND}/account?tab=1"}
    assert (await post(client, REFRESH, refresh, headers=referer)).status_code == 200


async def test_v3_5_2_without_the_header_the_cookie_is_never_read(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    """What a cross-site form or `no-cors` fetch can send: the cookie, no custom header."""
    login = await browser_login(client, users)
    refresh = set_cookie(login)["value"]
    form = {"Origin": "https://evil.example", "Content-Type": "application/x-www-form-urlencoded"}
    refreshed = await post(client, REFRESH, refresh, headers=form, content="a=b")
    assert_error(refreshed, 422, "VALIDATION_ERROR")
    logout = await post(client, LOGOUT, refresh, headers=form, content="a=b")
    assert_error(logout, 401, "NOT_AUTHENTICATED")
    # The session lives on.
    me = await client.get(ME, headers=bearer(login.json()["access_token"]))
    assert me.status_code == 200


async def test_an_unknown_transport_is_a_validation_error(client: httpx.AsyncClient) -> None:
    response = await client.post(REFRESH, headers={"X-Auth-Transport": "query", "Origin": FRONTEND})
    assert_error(response, 422, "VALIDATION_ERROR")


async def test_the_token_endpoint_keeps_the_oauth2_shape(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    """Swagger's Authorize button: form in, the refresh token in the body, no cookie."""
    await users.create("swagger@example.com")
    response = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": "swagger@example.com", "password": PASSWORD},
        headers=BROWSER,
    )
    assert response.status_code == 200
    assert "refresh_token" in response.json()
    assert "set-cookie" not in response.headers


async def test_cookie_registration_signs_in_with_the_cookie(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "new@example.com", "password": PASSWORD},
        headers=BROWSER,
    )
    assert response.status_code == 201, response.text
    assert "refresh_token" not in response.json()
    assert set_cookie(response)["httponly"] is True
