"""Signing in end to end at a real OpenID Connect provider: new users and linking."""

import logging
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.users.models import User
from tests.helpers import UserFactory, assert_error, bearer
from tests.oauth.end_to_end.conftest import (
    ALICE,
    CLIENT_SECRET,
    FRONTEND,
    accounts_of,
    authorize,
    back_at_service,
    callback_url,
    count,
    service_logs,
    sign_in,
)
from tests.oauth.oidc_provider import OidcProvider, sign_in_at_provider


async def test_a_new_user_is_created_and_signed_in(
    client: httpx.AsyncClient,
    provider: OidcProvider,
    db_session: AsyncSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # the most a service ever logs
    url = await authorize(client)
    assert url.startswith(f"{provider.issuer}/auth?")
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [callback_url("oidc")]
    sent_back = await sign_in_at_provider(url, ALICE)
    response = await back_at_service(client, sent_back)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["email"] == ALICE
    me = await client.get("/api/v1/users/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == ALICE
    user = (await db_session.exec(select(User).where(User.email == ALICE))).one()
    assert user.is_verified
    assert user.hashed_password is None
    [account] = await accounts_of(db_session, ALICE)
    assert (account.provider, account.subject) == ("oidc", ALICE)

    # Nothing secret of the flow reaches a log line.
    secrets_seen = [
        parse_qs(urlsplit(sent_back).query)["code"][0],
        query["state"][0],
        query["nonce"][0],
        body["access_token"],
        body["refresh_token"],
        CLIENT_SECRET,
    ]
    logs = service_logs(caplog)
    assert "/api/v1/auth/callback/{provider}" in logs  # the service's request log
    assert f"POST {provider.issuer}/token" in logs  # its call to the token endpoint
    for secret in secrets_seen:
        assert secret not in logs


@pytest.mark.parametrize("frontend_url", [FRONTEND])
async def test_v14_2_1_with_a_frontend_the_browser_gets_a_one_time_code_for_the_token_pair(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = await sign_in(client)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(f"{FRONTEND}/oauth/callback?code=")
    code = parse_qs(urlsplit(location).query)["code"][0]

    token = await client.post(
        "/api/v1/auth/token", data={"grant_type": "authorization_code", "code": code}
    )
    assert token.status_code == 200, token.text
    assert set(token.json()) >= {"access_token", "refresh_token"}
    me = await client.get("/api/v1/users/me", headers=bearer(token.json()["access_token"]))
    assert me.json()["email"] == ALICE
    # The code is spent.
    again = await client.post(
        "/api/v1/auth/token", data={"grant_type": "authorization_code", "code": code}
    )
    assert_error(again, 400, "INVALID_GRANT")
    logs = service_logs(caplog)
    assert "/api/v1/auth/token" in logs
    for secret in (code, token.json()["access_token"], token.json()["refresh_token"]):
        assert secret not in logs


@pytest.mark.parametrize("frontend_url", [FRONTEND])
async def test_the_one_time_code_gives_a_browser_its_refresh_token_in_a_cookie(
    client: httpx.AsyncClient,
) -> None:
    response = await sign_in(client)
    code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    token = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "authorization_code", "code": code},
        headers={"X-Auth-Transport": "cookie", "Origin": FRONTEND},
    )
    assert token.status_code == 200, token.text
    assert "refresh_token" not in token.json()
    assert "refresh_token=" in token.headers["set-cookie"]
    assert "httponly" in token.headers["set-cookie"].lower()


async def test_an_existing_verified_local_account_is_linked(
    client: httpx.AsyncClient, users: UserFactory, db_session: AsyncSession
) -> None:
    local = await users.create(ALICE)
    local.is_verified = True
    await db_session.commit()

    response = await sign_in(client)
    assert response.status_code == 200, response.text
    assert response.json()["user"]["id"] == str(local.id)
    [account] = await accounts_of(db_session, ALICE)
    assert account.user_id == local.id
    assert await count(db_session, User) == 1
    # The password still works beside the provider.
    await users.login(ALICE)
