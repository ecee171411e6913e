"""Fixtures of the end-to-end tests: a real OpenID Connect provider on loopback.

The provider is `oidc-provider` (OpenID Certified) run by Node (tests/oauth/oidc_provider.py);
the service runs in-process and talks to it over loopback HTTP, as it would to any
provider: discovery, the authorization page, the token endpoint with PKCE, the signing
keys, the ID token. The tests play the browser on the provider's login and consent pages.
"""

import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
from tests.oauth.oidc_provider import OidcProvider, sign_in_at_provider, start_provider

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
    """Every record the service logged at the level the test set, its calls to the
    provider included; not those of the test's own clients (httpx; the service calls
    providers through httpx2), which log the URLs they open."""
    return "\n".join(
        f"{record.getMessage()} {record.args}"
        for record in caplog.records
        if record.name.split(".")[0] not in ("httpx", "httpcore")
    )
