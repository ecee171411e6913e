"""The callback, answering JSON (`FRONTEND_URL` empty): every check, every refusal.

Against the fake provider on loopback (see fake_provider.py); the end-to-end tests
repeat the main cases against a real OpenID Connect provider.
"""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.audit import AuditEvent
from app.core.config import Settings, get_settings
from app.core.services import services_of
from app.oauth.config import OAuthSettings
from app.oauth.models import OAuthAccount
from app.users.models import User
from tests.helpers import UserFactory, assert_error, bearer
from tests.oauth.conftest import REDIRECT_BASE, finish, sign_in, start
from tests.oauth.fake_provider import FakeProvider, new_key

pytestmark = pytest.mark.usefixtures("oauth")

ALICE: dict[str, Any] = {
    "sub": "alice-1",
    "email": "Alice@Example.com",
    "email_verified": True,
    "name": "Alice",
}


@pytest.fixture
def settings() -> Settings:
    return get_settings().model_copy(update={"frontend_url": ""})


async def test_a_new_identity_creates_a_verified_user_without_password(
    client: httpx.AsyncClient, fake: FakeProvider, db_session: AsyncSession
) -> None:
    response = await sign_in(client, fake, **ALICE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["email"] == "alice@example.com"
    me = await client.get("/api/v1/auth/me", headers=bearer(body["access_token"]))
    assert me.json()["email"] == "alice@example.com"
    user = (await db_session.exec(select(User).where(User.email == "alice@example.com"))).one()
    assert user.is_verified
    assert user.hashed_password is None
    assert user.full_name == "Alice"
    events = (await db_session.exec(select(AuditEvent.event))).all()
    assert {"oauth.user_created", "oauth.signed_in"} <= set(events)
    # The flow's cookie is cleared.
    assert "oauth_flow=" in response.headers["set-cookie"]


async def test_v10_5_2_the_same_identity_signs_the_same_user_in_again(
    client: httpx.AsyncClient, fake: FakeProvider, db_session: AsyncSession
) -> None:
    first = (await sign_in(client, fake, **ALICE)).json()
    again = await sign_in(client, fake, "code-2", **{**ALICE, "email": "new@example.com"})
    assert again.json()["user"]["id"] == first["user"]["id"]
    accounts = (await db_session.exec(select(OAuthAccount))).all()
    assert [(a.provider, a.subject, a.email) for a in accounts] == [
        ("oidc", "alice-1", "new@example.com")
    ]


async def test_password_sign_in_fails_for_a_user_without_password(
    client: httpx.AsyncClient, fake: FakeProvider
) -> None:
    await sign_in(client, fake, **ALICE)
    response = await client.post(
        "/api/v1/auth/login", json={"email": "alice@example.com", "password": "anything-at-all"}
    )
    assert_error(response, 401, "INVALID_CREDENTIALS")


async def test_a_verified_email_links_to_a_verified_local_account(
    client: httpx.AsyncClient, fake: FakeProvider, users: UserFactory, db_session: AsyncSession
) -> None:
    local = await users.create("alice@example.com")
    local.is_verified = True
    await db_session.commit()
    response = await sign_in(client, fake, **ALICE)
    assert response.json()["user"]["id"] == str(local.id)
    events = (await db_session.exec(select(AuditEvent.event))).all()
    assert "oauth.linked" in events


async def test_v6_8_1_never_links_to_an_unverified_local_account(
    client: httpx.AsyncClient, fake: FakeProvider, users: UserFactory, db_session: AsyncSession
) -> None:
    """Someone registered the address without proving it: linking would let them in
    to the provider user's account later (pre-registration hijack)."""
    await users.create("alice@example.com")
    assert_error(await sign_in(client, fake, **ALICE), 409, "OAUTH_LINK_REFUSED")
    assert (await db_session.exec(select(OAuthAccount))).all() == []


@pytest.mark.parametrize("verified", [False, "false", None])
async def test_v6_8_1_an_unverified_provider_email_creates_and_links_nothing(
    client: httpx.AsyncClient, fake: FakeProvider, db_session: AsyncSession, verified: object
) -> None:
    claims = {**ALICE, "email_verified": verified}
    assert_error(await sign_in(client, fake, **claims), 403, "OAUTH_EMAIL_NOT_VERIFIED")
    assert (await db_session.exec(select(User))).all() == []


async def test_the_email_may_come_from_userinfo_of_the_same_subject(
    client: httpx.AsyncClient, fake: FakeProvider
) -> None:
    fake.userinfo = dict(ALICE)
    response = await sign_in(client, fake, sub="alice-1")
    assert response.json()["user"]["email"] == "alice@example.com"
    fake.userinfo = {**ALICE, "sub": "mallory"}
    assert_error(await sign_in(client, fake, "code-2", sub="bob-2"), 400, "OAUTH_ID_TOKEN_INVALID")


async def test_v10_2_1_a_replayed_state_is_refused(
    client: httpx.AsyncClient, fake: FakeProvider
) -> None:
    url = await start(client)
    query = fake.approve(url, "code-1", **ALICE)
    assert (await finish(client, query)).status_code == 200
    client.cookies.clear()
    url = await start(client)  # a new flow's cookie, the old state
    assert_error(await finish(client, query), 400, "OAUTH_STATE_INVALID")


@pytest.mark.parametrize("state", [None, "forged-state", "x" * 512])
async def test_v10_2_1_a_missing_or_forged_state_is_refused(
    client: httpx.AsyncClient, fake: FakeProvider, state: str | None
) -> None:
    url = await start(client)
    query = fake.approve(url, "code-1", **ALICE)
    query.pop("state")
    if state is not None:
        query["state"] = state
    assert_error(await finish(client, query), 400, "OAUTH_STATE_INVALID")
    assert "POST /token" not in fake.requests


async def test_v10_1_2_a_state_from_another_browser_is_refused(
    client: httpx.AsyncClient, fake: FakeProvider
) -> None:
    """An attacker's own flow, fed to a victim's browser, signs nobody in (login CSRF)."""
    url = await start(client)
    query = fake.approve(url, "code-1", **ALICE)
    client.cookies.clear()
    assert_error(await finish(client, query), 400, "OAUTH_STATE_INVALID")
    client.cookies.set("oauth_flow", "another-browser", path="/api/v1/auth/callback")
    assert_error(await finish(client, query), 400, "OAUTH_STATE_INVALID")


async def test_v10_2_2_a_state_of_one_provider_is_refused_on_another(
    client: httpx.AsyncClient, fake: FakeProvider
) -> None:
    url = await start(client, "github")
    query = fake.approve(url, "code-1", **ALICE)
    assert_error(await finish(client, query, "oidc"), 400, "OAUTH_STATE_INVALID")


async def test_v10_2_1_an_expired_state_is_refused(
    client: httpx.AsyncClient, fake: FakeProvider, app: FastAPI
) -> None:
    services = services_of(app)
    settings = services.settings_of(OAuthSettings)
    services.module_settings[OAuthSettings] = settings.model_copy(update={"state_ttl_seconds": 0})
    url = await start(client)
    assert_error(await finish(client, fake.approve(url, "c", **ALICE)), 400, "OAUTH_STATE_INVALID")


@pytest.mark.parametrize(
    ("error", "code"),
    [("access_denied", "OAUTH_ACCESS_DENIED"), ("server_error", "OAUTH_AUTHORIZATION_FAILED")],
)
async def test_a_provider_error_is_reported_without_its_text(
    client: httpx.AsyncClient, error: str, code: str
) -> None:
    url = await start(client)
    state = parse_qs(urlsplit(url).query)["state"][0]
    response = await finish(client, {"state": state, "error": error, "error_description": "<b>"})
    body = assert_error(response, 400, code)
    assert "<b>" not in response.text
    assert state not in str(body)


async def test_a_callback_without_code_is_refused(client: httpx.AsyncClient) -> None:
    url = await start(client)
    state = parse_qs(urlsplit(url).query)["state"][0]
    assert_error(await finish(client, {"state": state}), 400, "OAUTH_AUTHORIZATION_FAILED")


async def test_v10_2_1_a_code_the_provider_refuses_is_reported(
    client: httpx.AsyncClient, fake: FakeProvider
) -> None:
    """A code another client intercepted fails without its PKCE verifier; so does a spent one."""
    url = await start(client)
    query = fake.approve(url, "code-1", **ALICE)
    fake.grants["code-1"].challenge = "another-verifier-challenge"
    assert_error(await finish(client, query), 400, "OAUTH_CODE_REJECTED")


@pytest.mark.parametrize(
    "override",
    [
        {"iss": "https://evil.example.com"},
        {"aud": "another-client"},
        {"nonce": "another-nonce"},
        {"nonce": None},
        {"exp": 1_000_000_000},
    ],
    ids=["issuer", "audience", "nonce", "no-nonce", "expired"],
)
async def test_v10_5_4_an_id_token_with_a_wrong_claim_is_refused(
    client: httpx.AsyncClient,
    fake: FakeProvider,
    db_session: AsyncSession,
    override: dict[str, object],
) -> None:
    fake.id_token_overrides = override
    assert_error(await sign_in(client, fake, **ALICE), 400, "OAUTH_ID_TOKEN_INVALID")
    assert (await db_session.exec(select(User))).all() == []


async def test_v6_8_2_an_id_token_signed_with_another_key_is_refused(
    client: httpx.AsyncClient, fake: FakeProvider
) -> None:
    fake.signing_key = new_key()
    assert_error(await sign_in(client, fake, **ALICE), 400, "OAUTH_ID_TOKEN_INVALID")


async def test_v16_5_1_a_provider_that_is_down_is_a_502_not_a_500(
    client: httpx.AsyncClient, fake: FakeProvider
) -> None:
    url = await start(client)
    query = fake.approve(url, "code-1", **ALICE)
    fake.fail_with = 500
    assert_error(await finish(client, query), 502, "OAUTH_PROVIDER_UNAVAILABLE")


async def test_v10_1_2_authorize_builds_the_redirect_uri_from_settings_not_the_host(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/auth/oidc/authorize", headers={"host": "evil.example.com"})
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["redirect_uri"] == [f"{REDIRECT_BASE}/api/v1/auth/callback/oidc"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) >= 43
    assert "nonce" in query
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Path=/api/v1/auth/callback" in cookie


async def test_an_unknown_provider_is_a_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/v1/auth/nope/authorize"), 404, "OAUTH_PROVIDER_NOT_FOUND")
    response = await client.get("/api/v1/auth/callback/google", params={"state": "s", "code": "c"})
    assert_error(response, 404, "OAUTH_PROVIDER_NOT_FOUND")
