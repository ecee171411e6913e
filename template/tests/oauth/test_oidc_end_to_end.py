"""Social sign-in end to end against a real OpenID Connect provider on loopback.

The provider is `oidc-provider` (OpenID Certified) run by Node (see oidc_provider.py);
the service runs in-process and talks to it over loopback HTTP, as it would to any
provider: discovery, the authorization page, the token endpoint with PKCE, the signing
keys, the ID token. The test plays the browser on the provider's login and consent pages.
"""

import base64
import hashlib
import logging
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings, get_settings
from app.core.services import services_of
from app.oauth.client import discovery_cache_key
from app.oauth.config import OAuthSettings
from app.oauth.models import OAuthAccount
from app.users.models import User
from tests.helpers import UserFactory, assert_error, bearer
from tests.oauth.oidc_provider import (
    OidcProvider,
    foreign_issuer_discovery,
    free_port,
    sign_in_at_provider,
    start_provider,
)

SERVICE = "http://testserver"  # the test client's base URL, and the redirect base
CLIENT_ID = "baseline-service"
CLIENT_SECRET = "client-secret-" + secrets.token_urlsafe(16)
FRONTEND = "https://app.example.com"
ALICE = "alice@example.com"


def callback_url(provider: str) -> str:
    return f"{SERVICE}/api/v1/auth/callback/{provider}"


def launch(tmp_path_factory: pytest.TempPathFactory) -> OidcProvider:
    workdir = tmp_path_factory.mktemp("oidc-provider")
    redirect_uris = [callback_url("oidc"), callback_url("google")]
    return start_provider(workdir, CLIENT_ID, CLIENT_SECRET, redirect_uris)


@pytest.fixture(scope="session")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    """The provider the service knows as `oidc`."""
    started = launch(tmp_path_factory)
    yield started
    started.stop()


@pytest.fixture(scope="session")
def second_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    """Another instance, with its own keys, that the service is told is `google`."""
    started = launch(tmp_path_factory)
    yield started
    started.stop()


@pytest.fixture
def frontend_url() -> str:
    """Empty: the callback answers JSON. A test parametrizes it to get the redirects."""
    return ""


@pytest.fixture
def settings(frontend_url: str) -> Settings:
    update = {"frontend_url": frontend_url, "cors_origins": [FRONTEND]}
    return get_settings().model_copy(update=update)


async def configure(app: FastAPI, **changes: Any) -> None:
    """Point the app's oauth settings at loopback providers: by default `oidc` only.

    Their discovery documents are dropped from the cache, which Redis keeps from one
    test and one run to the next: a port may have served another provider before."""
    values: dict[str, Any] = {
        "redirect_base_url": SERVICE,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        **changes,
    }
    services = services_of(app)
    services.module_settings[OAuthSettings] = OAuthSettings(**values)
    for name, value in values.items():
        if name.endswith("discovery_url"):
            await services.cache.delete(discovery_cache_key(value))


@pytest.fixture(autouse=True)
async def oauth(app: FastAPI, provider: OidcProvider) -> None:
    await configure(app, oidc_discovery_url=provider.discovery_url)


async def authorize(client: httpx.AsyncClient, provider: str = "oidc") -> str:
    """Start a sign-in as a browser: the provider's URL (the client keeps the flow cookie)."""
    response = await client.get(
        f"/api/v1/auth/{provider}/authorize", headers={"Accept": "application/json"}
    )
    assert response.status_code == 200, response.text
    url: str = response.json()["authorization_url"]
    return url


async def back_at_service(
    client: httpx.AsyncClient, provider_url: str, provider: str = "oidc"
) -> httpx.Response:
    """The browser arrives at the service's callback of `provider` from `provider_url`."""
    query = urlsplit(provider_url).query
    return await client.get(f"/api/v1/auth/callback/{provider}?{query}")


async def sign_in(
    client: httpx.AsyncClient, login: str = ALICE, provider: str = "oidc"
) -> httpx.Response:
    """A whole sign-in: authorize, the provider's pages, the callback."""
    sent_back = await sign_in_at_provider(await authorize(client, provider), login)
    assert urlsplit(sent_back).path == urlsplit(callback_url(provider)).path, sent_back
    return await back_at_service(client, sent_back, provider)


def with_query(url: str, **changes: str) -> str:
    """`url` with some query parameters replaced (what a tampering party would do)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


async def count(db_session: AsyncSession, model: type[User] | type[OAuthAccount]) -> int:
    return (await db_session.exec(select(func.count()).select_from(model))).one()


async def accounts_of(db_session: AsyncSession, email: str) -> list[OAuthAccount]:
    query = select(OAuthAccount).join(User, col(User.id) == OAuthAccount.user_id)
    return list((await db_session.exec(query.where(User.email == email))).all())


def service_logs(caplog: pytest.LogCaptureFixture) -> str:
    """Every record the service logged at its default level (INFO), its calls to the
    provider included; not those of the test's own clients (httpx; the service calls
    providers through httpx2), which log the URLs they open."""
    return "\n".join(
        f"{record.getMessage()} {record.args}"
        for record in caplog.records
        if record.name.split(".")[0] not in ("httpx", "httpcore")
    )


# --- signing in ----------------------------------------------------------------------------


async def test_a_new_user_is_created_and_signed_in(
    client: httpx.AsyncClient,
    provider: OidcProvider,
    db_session: AsyncSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
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
async def test_with_a_frontend_the_browser_gets_a_one_time_code_for_the_token_pair(
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


# --- refusals: each ends in its error code and creates nothing -----------------------------


async def test_an_unverified_provider_email_is_not_linked(
    client: httpx.AsyncClient, users: UserFactory, db_session: AsyncSession
) -> None:
    local = await users.create(ALICE)
    local.is_verified = True
    await db_session.commit()

    # The provider's account has the same address, but says it is not verified.
    response = await sign_in(client, login=f"unverified:{ALICE}")
    assert_error(response, 403, "OAUTH_EMAIL_NOT_VERIFIED")
    assert await count(db_session, OAuthAccount) == 0
    assert await count(db_session, User) == 1


async def test_a_verified_provider_email_is_not_linked_to_an_unverified_local_account(
    client: httpx.AsyncClient, users: UserFactory, db_session: AsyncSession
) -> None:
    await users.create(ALICE)  # registered by anyone, address never proved
    response = await sign_in(client)
    assert_error(response, 409, "OAUTH_LINK_REFUSED")
    assert await count(db_session, OAuthAccount) == 0


async def test_a_forged_state_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    sent_back = await sign_in_at_provider(await authorize(client), ALICE)
    forged = with_query(sent_back, state=secrets.token_urlsafe(32))
    assert_error(await back_at_service(client, forged), 400, "OAUTH_STATE_INVALID")
    assert await count(db_session, User) == 0


async def test_a_replayed_state_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    sent_back = await sign_in_at_provider(await authorize(client), ALICE)
    assert (await back_at_service(client, sent_back)).status_code == 200
    assert_error(await back_at_service(client, sent_back), 400, "OAUTH_STATE_INVALID")
    assert await count(db_session, OAuthAccount) == 1


async def test_a_spent_code_on_a_new_flow_is_refused_by_the_provider(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    sent_back = await sign_in_at_provider(await authorize(client), ALICE)
    assert (await back_at_service(client, sent_back)).status_code == 200
    # A new flow of this browser, finished with the code the provider already redeemed.
    fresh = await sign_in_at_provider(await authorize(client), "bob@example.com")
    spent_code = parse_qs(urlsplit(sent_back).query)["code"][0]
    replay = with_query(fresh, code=spent_code)
    assert_error(await back_at_service(client, replay), 400, "OAUTH_CODE_REJECTED")
    assert await count(db_session, User) == 1


async def test_a_wrong_pkce_verifier_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    # The provider is handed the challenge of another verifier than the service's.
    other = hashlib.sha256(secrets.token_urlsafe(48).encode()).digest()
    challenge = base64.urlsafe_b64encode(other).rstrip(b"=").decode()
    url = with_query(await authorize(client), code_challenge=challenge)
    response = await back_at_service(client, await sign_in_at_provider(url, ALICE))
    assert_error(response, 400, "OAUTH_CODE_REJECTED")
    assert await count(db_session, User) == 0


async def test_a_nonce_mismatch_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    url = with_query(await authorize(client), nonce=secrets.token_urlsafe(32))
    response = await back_at_service(client, await sign_in_at_provider(url, ALICE))
    assert_error(response, 400, "OAUTH_ID_TOKEN_INVALID")
    assert await count(db_session, User) == 0


async def test_an_id_token_of_another_issuer_is_refused(
    app: FastAPI, client: httpx.AsyncClient, provider: OidcProvider, db_session: AsyncSession
) -> None:
    # A consistent discovery document naming its own issuer, with the real provider's
    # endpoints and keys: the ID token is genuine and well signed, by another issuer.
    with foreign_issuer_discovery(provider) as discovery_url:
        await configure(app, oidc_discovery_url=discovery_url)
        url = await authorize(client)
        assert url.startswith(f"{provider.issuer}/auth?")
        response = await back_at_service(client, await sign_in_at_provider(url, ALICE))
    assert_error(response, 400, "OAUTH_ID_TOKEN_INVALID")
    assert await count(db_session, User) == 0


async def test_a_state_of_one_provider_is_refused_on_another(
    app: FastAPI,
    client: httpx.AsyncClient,
    provider: OidcProvider,
    second_provider: OidcProvider,
    db_session: AsyncSession,
) -> None:
    await configure(
        app,
        oidc_discovery_url=provider.discovery_url,
        google_client_id=CLIENT_ID,
        google_client_secret=CLIENT_SECRET,
        google_discovery_url=second_provider.discovery_url,
    )
    sent_back = await sign_in_at_provider(await authorize(client, "oidc"), ALICE)
    on_google = await back_at_service(client, sent_back, "google")
    assert_error(on_google, 400, "OAUTH_STATE_INVALID")
    # The state was spent by the attempt: it is not good on its own callback either.
    assert_error(await back_at_service(client, sent_back, "oidc"), 400, "OAUTH_STATE_INVALID")
    assert await count(db_session, User) == 0
    # Google (the second provider) itself signs in: the refusal was the mix-up alone.
    response = await sign_in(client, provider="google")
    assert response.status_code == 200, response.text
    [account] = await accounts_of(db_session, ALICE)
    assert account.provider == "google"


@pytest.mark.parametrize("frontend_url", ["", FRONTEND])
async def test_consent_denied_at_the_provider_ends_in_access_denied(
    client: httpx.AsyncClient, db_session: AsyncSession, frontend_url: str
) -> None:
    sent_back = await sign_in_at_provider(await authorize(client), ALICE, consent=False)
    assert parse_qs(urlsplit(sent_back).query)["error"] == ["access_denied"]
    response = await back_at_service(client, sent_back)
    if frontend_url:
        assert response.status_code == 302
        assert (
            response.headers["location"] == f"{FRONTEND}/oauth/callback?error=OAUTH_ACCESS_DENIED"
        )
    else:
        assert_error(response, 400, "OAUTH_ACCESS_DENIED")
    assert await count(db_session, User) == 0


async def test_a_provider_down_before_the_sign_in_is_a_clean_error(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    nothing_listens = f"http://127.0.0.1:{free_port()}"
    await configure(app, oidc_discovery_url=f"{nothing_listens}/.well-known/openid-configuration")
    response = await client.get("/api/v1/auth/oidc/authorize")
    assert_error(response, 502, "OAUTH_PROVIDER_UNAVAILABLE")


async def test_a_provider_down_at_the_callback_is_a_clean_error(
    app: FastAPI,
    client: httpx.AsyncClient,
    tmp_path_factory: pytest.TempPathFactory,
    db_session: AsyncSession,
) -> None:
    short_lived = launch(tmp_path_factory)
    try:
        await configure(app, oidc_discovery_url=short_lived.discovery_url)
        sent_back = await sign_in_at_provider(await authorize(client), ALICE)
    finally:
        short_lived.stop()
    response = await back_at_service(client, sent_back)
    assert_error(response, 502, "OAUTH_PROVIDER_UNAVAILABLE")
    assert await count(db_session, User) == 0
